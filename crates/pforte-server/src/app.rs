//! Building and running the server: routes, background duties, graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use pforte_domain::Command;
use pforte_wire::{ServerEvent, SessionEndReason};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::config::ServeSettings;
use crate::error::AppError;
use crate::http::{self, Limits};
use crate::reception::{now, Reception};
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
        let listener = TcpListener::bind(settings.listen).await?;
        let limits = Arc::new(Limits::new(
            settings.enter_per_minute,
            settings.login_per_minute,
        ));
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
            .layer(TraceLayer::new_for_http())
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
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(lifecycle.shutdown.clone().cancelled_owned())
        .await?;
        lifecycle.tasks.close();
        if tokio::time::timeout(SHUTDOWN_GRACE, lifecycle.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("some sockets did not close in time");
        }
        reception.store.close().await;
        Ok(())
    }
}

/// The server's clockwork: expire waits and grace periods, sessions, and old chats.
async fn duties(reception: Arc<Reception>, limits: Arc<Limits>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seconds: u64 = 0;
    // Purge often enough that nothing outlives its retention by more than a quarter of it.
    let purge_every = (reception.settings.retention.as_secs() / 4).clamp(1, 60);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        seconds += 1;
        if let Err(error) = reception.run(Command::Tick).await {
            tracing::error!(?error, "tick failed");
        }
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
                Ok(count) => tracing::info!(count, "deleted chats past their retention"),
                Err(error) => tracing::error!(%error, "purging old chats failed"),
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
        reception.hub.end_session(
            session.id,
            &ServerEvent::SessionEnded {
                reason: SessionEndReason::Expired,
            },
        );
    }
}
