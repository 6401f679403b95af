//! Building and running the server: routes, background duties, graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use pforte_domain::Command;
use pforte_wire::SessionEndReason;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::config::ServeSettings;
use crate::error::AppError;
use crate::http::limits::LimitSettings;
use crate::http::{self, Limits};
use crate::reception::{now, Reception};
use crate::serve::ConnectionLimits;
use crate::store::Store;

/// How long shutdown waits for sockets to close and say goodbye.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What long-running tasks need to stop together.
#[derive(Clone, Default)]
pub struct Lifecycle {
    pub shutdown: CancellationToken,
    pub tasks: TaskTracker,
}

pub struct Application {
    listener: TcpListener,
    reception: Arc<Reception>,
    lifecycle: Lifecycle,
    limits: Arc<Limits>,
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    AppError::internal("a handler panicked", &"panic").into_response()
}

impl Application {
    /// Restore the state from the store and bind the listener (port 0 picks a free port).
    pub async fn build(settings: ServeSettings, store: Arc<dyn Store>) -> anyhow::Result<Self> {
        let descriptors = raise_descriptor_limit();
        let listener = TcpListener::bind(settings.listen).await?;
        let limits = Arc::new(Limits::new(LimitSettings {
            enter_per_minute: settings.enter_per_minute,
            login_per_minute: settings.login_per_minute,
            sockets_per_client: settings.sockets_per_address,
            max_sockets: max_sockets(descriptors),
        }));
        let reception = Arc::new(Reception::start(store, settings).await?);
        Ok(Self {
            listener,
            reception,
            lifecycle: Lifecycle::default(),
            limits,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn reception(&self) -> Arc<Reception> {
        self.reception.clone()
    }

    /// Cancel this token to shut the server down gracefully.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.lifecycle.shutdown.clone()
    }

    fn router(&self) -> Router {
        let mut router = http::router(self.limits.clone());
        let ui = &self.reception.settings.ui_dir;
        if ui.join("index.html").is_file() {
            router = router.fallback_service(ServeDir::new(ui));
        } else {
            router = router
                .fallback(|| async { (StatusCode::NOT_FOUND, "The UI is not built (ui/dist).") });
        }
        router
            .layer(axum::middleware::from_fn_with_state(
                self.reception.clone(),
                http::headers::security_headers,
            ))
            .layer(http::origins::cors(self.reception.clone()))
            .layer(Extension(self.lifecycle.clone()))
            .layer(
                // By route template only: a URI carries ids and query strings, which stay out
                // of the log (see `telemetry`).
                TraceLayer::new_for_http().make_span_with(|request: &axum::extract::Request| {
                    let route = request
                        .extensions()
                        .get::<axum::extract::MatchedPath>()
                        .map_or("(no route)", |path| path.as_str());
                    tracing::debug_span!("request", method = %request.method(), route)
                }),
            )
            .layer(CatchPanicLayer::custom(panic_response))
            .with_state(self.reception.clone())
    }

    /// Serve until the shutdown token is cancelled; then close every socket with "going
    /// away", let them report their disconnects, and close the store.
    pub async fn run(self) -> anyhow::Result<()> {
        let router = self.router();
        let Self {
            listener,
            reception,
            lifecycle,
            limits,
        } = self;
        lifecycle.tasks.spawn(duties(
            reception.clone(),
            limits,
            lifecycle.shutdown.clone(),
        ));
        lifecycle
            .tasks
            .spawn(heartbeat(reception.clone(), lifecycle.shutdown.clone()));
        lifecycle
            .tasks
            .spawn(membership(reception.clone(), lifecycle.shutdown.clone()));
        if let Some(url) = reception.store.notifications_url() {
            lifecycle.tasks.spawn(listen(
                reception.clone(),
                url.to_owned(),
                lifecycle.shutdown.clone(),
            ));
        }
        let connection_limits = ConnectionLimits {
            header_timeout: reception.settings.header_timeout,
            per_peer: reception.settings.connections_per_address,
            trusted_proxies: reception.settings.trusted_proxies.clone(),
        };
        crate::serve::serve(
            listener,
            router,
            connection_limits,
            lifecycle.shutdown.clone(),
            SHUTDOWN_GRACE,
        )
        .await;
        lifecycle.tasks.close();
        if tokio::time::timeout(SHUTDOWN_GRACE, lifecycle.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("some sockets did not close in time");
        }
        // The sockets were told to reconnect (1012); their connections are handed over.
        reception.stopping(reception.settings.handover).await;
        reception.store.close().await;
        Ok(())
    }
}

/// Descriptors kept free of WebSockets: the database, the log, and REST requests (an
/// operator or an asker must still get an answer when sockets pile up).
fn reserved_descriptors(limit: u64) -> u64 {
    (limit / 10).max(128)
}

/// Raise the soft limit of open files to the hard limit; returns the limit in force.
fn raise_descriptor_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(error) => {
            tracing::warn!(%error, "could not read or raise the open-files limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
        }
    }
}

/// How many WebSockets this process may hold with `limit` descriptors.
fn max_sockets(limit: u64) -> usize {
    let sockets = limit.saturating_sub(reserved_descriptors(limit)).max(1);
    tracing::info!(
        open_files = limit,
        sockets,
        "WebSockets are refused beyond this many; the rest of the descriptors stay for REST"
    );
    usize::try_from(sockets).unwrap_or(usize::MAX)
}

/// Log a warning at most once every ten seconds per `key` (a flood must not flood the log).
pub fn warn_throttled(key: &'static str, message: &str) {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static LAST: OnceLock<Mutex<HashMap<&'static str, std::time::Instant>>> = OnceLock::new();
    let now = std::time::Instant::now();
    let mut last = LAST
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let due = last
        .get(key)
        .is_none_or(|at| now.duration_since(*at) >= Duration::from_secs(10));
    if due {
        last.insert(key, now);
        tracing::warn!("{message}");
    }
}

/// The server's clockwork: expire waits and grace periods, sessions, and old chats.
async fn duties(reception: Arc<Reception>, limits: Arc<Limits>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut quarters: u64 = 0;
    // Purge often enough that nothing outlives its retention by more than a quarter of it.
    let purge_every = (reception.settings.retention.as_secs() / 4).clamp(1, 60);
    let audit_purge_every = (reception.settings.audit_retention.as_secs() / 4).clamp(1, 3600);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        quarters += 1;
        // Time passes for the desk only when something is due (a grace period, a longest
        // wait, a resume window, a handover): checked four times a second.
        if reception
            .desk()
            .next_deadline()
            .is_some_and(|due| due <= reception.clock())
        {
            if let Err(error) = reception.run(Command::Tick).await {
                tracing::error!(?error, "tick failed");
            }
        }
        if !quarters.is_multiple_of(4) {
            continue;
        }
        let seconds = quarters / 4;
        reception.retry_unstored().await;
        if seconds.is_multiple_of(5) {
            expire_sessions(&reception).await;
        }
        if seconds.is_multiple_of(60) {
            limits.forget_idle();
        }
        if seconds.is_multiple_of(purge_every) {
            let cutoff = pforte_domain::Timestamp::from_millis(
                now().as_millis()
                    - i64::try_from(reception.settings.retention.as_millis()).unwrap_or(i64::MAX),
            );
            match reception.store.purge_ended(cutoff).await {
                Ok(0) => {}
                Ok(count) => {
                    tracing::info!(count, "deleted chats past their retention");
                    if let Err(error) = reception.compact_log().await {
                        tracing::error!(%error, "compacting the log after a purge failed");
                    }
                }
                Err(error) => tracing::error!(%error, "purging old chats failed"),
            }
        }
        if seconds.is_multiple_of(audit_purge_every) {
            let cutoff = pforte_domain::Timestamp::from_millis(
                now().as_millis()
                    - i64::try_from(reception.settings.audit_retention.as_millis())
                        .unwrap_or(i64::MAX),
            );
            match reception.store.purge_audit(cutoff).await {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "deleted audit entries past their retention"),
                Err(error) => tracing::error!(%error, "purging old audit entries failed"),
            }
        }
    }
}

/// This instance's place in the service: renew the lease; when it is lost (the others
/// declared this instance gone, or the database is unreachable for longer than the lease),
/// stop serving — close every socket so the clients go elsewhere — and join again once the
/// database answers. Also: declare instances whose lease lapsed lost, catch up with the log
/// (operator commands, and instances whose notifications were missed), take snapshots.
async fn membership(reception: Arc<Reception>, shutdown: CancellationToken) {
    let renew_every = crate::reception::LEASE / 3;
    let mut beat = tokio::time::interval(Duration::from_secs(1));
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut renewed = tokio::time::Instant::now();
    let mut last_renewal = tokio::time::Instant::now();
    let mut snapshot_seq = 0;
    let mut seconds: u64 = 0;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = beat.tick() => {}
        }
        seconds += 1;
        if reception.is_serving() {
            if last_renewal.elapsed() >= renew_every {
                last_renewal = tokio::time::Instant::now();
                let lost = match reception.renew_lease().await {
                    Ok(true) => {
                        renewed = tokio::time::Instant::now();
                        false
                    }
                    Ok(false) => {
                        tracing::error!("this instance was declared lost by the others");
                        true
                    }
                    Err(error) => {
                        tracing::warn!(%error, "renewing the lease failed");
                        renewed.elapsed() >= crate::reception::LEASE
                    }
                };
                if lost {
                    tracing::error!("stopping to serve: every socket is told to reconnect");
                    reception.stop_serving();
                    continue;
                }
            }
            if let Err(error) = reception.declare_lapsed_instances_lost().await {
                tracing::warn!(%error, "checking the other instances failed");
            }
            if let Err(error) = reception.catch_up().await {
                tracing::warn!(%error, "catching up with the log failed");
            }
            if seconds.is_multiple_of(30) {
                reception.snapshot(&mut snapshot_seq, false).await;
            }
        } else {
            match reception.rejoin().await {
                Ok(()) => {
                    renewed = tokio::time::Instant::now();
                    last_renewal = renewed;
                    reception.start_serving();
                }
                Err(error) => tracing::warn!("cannot join the service yet: {error:#}"),
            }
        }
    }
}

/// Notifications between instances (PostgreSQL `LISTEN`): new log entries, messages stored
/// elsewhere, sessions ended elsewhere. A notification can be missed while the listener
/// reconnects: then everything is caught up and every client re-reads.
async fn listen(reception: Arc<Reception>, url: String, shutdown: CancellationToken) {
    use crate::reception::{LOG, MESSAGES, SESSIONS};
    loop {
        let connected = async {
            let mut listener = sqlx::postgres::PgListener::connect(&url).await?;
            listener.listen_all([LOG, MESSAGES, SESSIONS]).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let mut listener = tokio::select! {
            () = shutdown.cancelled() => return,
            connected = connected => match connected {
                Ok(listener) => listener,
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for the other instances yet");
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    }
                }
            },
        };
        reception.resync_everyone().await;
        loop {
            let received = tokio::select! {
                () = shutdown.cancelled() => return,
                received = listener.try_recv() => received,
            };
            match received {
                Ok(Some(notification)) => {
                    // With what has arrived meanwhile: the messages' notices in a row are
                    // fetched together, in one statement.
                    let mut arrived = vec![notification];
                    while arrived.len() < 256 {
                        match listener.next_buffered() {
                            Some(more) => arrived.push(more),
                            None => break,
                        }
                    }
                    let mut messages: Vec<&str> = Vec::new();
                    for notification in &arrived {
                        if notification.channel() == MESSAGES {
                            messages.push(notification.payload());
                            continue;
                        }
                        if !messages.is_empty() {
                            reception.deliver_others(&messages).await;
                            messages.clear();
                        }
                        reception
                            .notified(notification.channel(), notification.payload())
                            .await;
                    }
                    if !messages.is_empty() {
                        reception.deliver_others(&messages).await;
                    }
                }
                // The connection broke: what was sent meanwhile is lost.
                Ok(None) | Err(_) => break,
            }
        }
    }
}

/// The heartbeat of every socket: one sweep a few times a second (see `hub`).
async fn heartbeat(reception: Arc<Reception>, shutdown: CancellationToken) {
    let heartbeats = reception.settings.heartbeats();
    let mut sweep = tokio::time::interval(heartbeats.sweep_every());
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = sweep.tick() => reception.hub.sweep(&heartbeats),
        }
    }
}

async fn expire_sessions(reception: &Reception) {
    let expired = match reception.store.expire_sessions(now()).await {
        Ok(expired) => expired,
        Err(error) => {
            tracing::error!(%error, "expiring sessions failed");
            return;
        }
    };
    for session in expired {
        let _ = reception
            .run(Command::SwitchAvailability {
                counselor: session.counselor,
                on: false,
                reason: pforte_domain::SwitchReason::SessionExpired,
            })
            .await;
        reception
            .end_session(session.id, SessionEndReason::Expired)
            .await;
    }
}
