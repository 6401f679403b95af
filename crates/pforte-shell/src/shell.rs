//! The one owner of the shell's state: a task that reads a channel of inputs, asks the
//! [`Machine`] (crate `pforte-shell-core`) what to do and carries the effects out.
//!
//! Everything else only sends inputs: the tray's clicks, window events, the lock and sleep
//! listeners, notification clicks, the socket task's news, the HTTP tasks' answers (tagged with
//! the ask they answer), the commands, a one-second tick. Nothing but this task changes what
//! the shell knows; the commands read a snapshot published after every step.
//!
//! The same owner runs in both processes of the desktop app: the window process (Tauri, with
//! the dashboard) and the light tray (`pforte-tray`, no WebKit). What differs — the tray, the
//! window, the dialogs, leaving — is their [`Surface`].

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use pforte_shell_core::decisions::{self, AlertPrefs, Leaving, OFFLINE_TIMEOUT};
use pforte_shell_core::machine::{
    Answer, At, Call, Effect, Emission, Failure, Input, Machine, Status, Ticket,
};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use pforte_shell_core::decisions::TrayView;
use pforte_shell_core::machine::Question;

use crate::notifications::Notifier;
use crate::server::{self, ApiFailure};
use crate::session::Vault;

/// What a process of the app shows and how it goes: the effects the owner leaves to it.
/// Each returns at once (nothing the owner waits for).
pub trait Surface: Send + Sync + 'static {
    fn tray(&self, view: TrayView);
    /// Tell the dashboard (the window process only).
    fn emit(&self, emission: Emission);
    /// Show the dashboard, with a request to bring up.
    fn show_window(&self, open: Option<Uuid>);
    fn close_window(&self);
    fn attention(&self, on: bool);
    /// Ask a yes/no question; the answer comes back as `Input::Confirmed`.
    fn confirm(&self, dialog: u64, question: Question);
    /// The shell's socket was closed (logout, session gone): close what hangs on it.
    fn disconnected(&self) {}
    /// Leave: the owner has done everything that had to happen first.
    fn exit(&self);
}

/// The shell's adapters and the door to its owner (`Arc<Shell>`).
pub struct Shell {
    pub vault: Vault,
    pub notifier: Notifier,
    pub http: reqwest::Client,
    inputs: mpsc::UnboundedSender<Input>,
    receiver: Mutex<Option<mpsc::UnboundedReceiver<Input>>>,
    status: Mutex<Status>,
    prefs: Mutex<AlertPrefs>,
    tickets: Mutex<HashMap<Ticket, oneshot::Sender<()>>>,
    next_ticket: AtomicU64,
    settings_file: Mutex<Option<PathBuf>>,
    /// A request a freshly built window is to show (its page takes it: `open_request_take`).
    pending_open: Mutex<Option<Uuid>>,
    /// The token of a login the webview just made, held here instead of in the webview:
    /// (server, handle the webview got instead of the token, token).
    login: Mutex<Option<(url::Url, String, String)>>,
    /// Set once the exit is decided, so the next exit request goes through.
    quitting: AtomicBool,
}

/// The settings file: preferences only, never a secret.
#[derive(Serialize, Deserialize, Default)]
struct Settings {
    reminder_seconds: Option<u64>,
    /// Whether request notifications ask for a sound (default: yes).
    sound: Option<bool>,
    sound_name: Option<String>,
    /// Request notifications stay until acted on (default: yes).
    stay: Option<bool>,
}

/// What the webview gets in place of a token.
pub const LOGIN_HANDLE_PREFIX: &str = "held-by-shell:";

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shell {
    pub fn new(vault: Vault, notifier: Notifier) -> Self {
        let (inputs, receiver) = mpsc::unbounded_channel();
        Self {
            vault,
            notifier,
            http: server::http_client(),
            inputs,
            receiver: Mutex::new(Some(receiver)),
            status: Mutex::new(Machine::default().status(now_ms())),
            prefs: Mutex::new(AlertPrefs::default()),
            tickets: Mutex::new(HashMap::new()),
            next_ticket: AtomicU64::new(1),
            settings_file: Mutex::new(None),
            pending_open: Mutex::new(None),
            login: Mutex::new(None),
            quitting: AtomicBool::new(false),
        }
    }

    /// Hand an input to the owner.
    pub fn send(&self, input: Input) {
        let _ = self.inputs.send(input);
    }

    /// Hand an input to the owner and wait until it is done with it.
    pub async fn send_and_wait(&self, input: impl FnOnce(Ticket) -> Input) {
        let ticket = self.next_ticket.fetch_add(1, Ordering::SeqCst);
        let (done, finished) = oneshot::channel();
        lock(&self.tickets).insert(ticket, done);
        self.send(input(ticket));
        let _ = finished.await;
    }

    fn done(&self, ticket: Ticket) {
        if let Some(done) = lock(&self.tickets).remove(&ticket) {
            let _ = done.send(());
        }
    }

    /// What the shell knows and shows, as of the last step.
    pub fn status(&self) -> Status {
        lock(&self.status).clone()
    }

    pub fn prefs(&self) -> AlertPrefs {
        lock(&self.prefs).clone()
    }

    /// Change the notification preferences (the owner keeps them within bounds and saves them).
    ///
    /// This copy is what the commands read back; it is written here only, under its lock,
    /// and handed to the owner under it too, so two changes at once neither undo each other
    /// nor reach the owner (and the settings file) out of order.
    pub fn set_prefs(&self, change: impl FnOnce(&mut AlertPrefs)) -> AlertPrefs {
        let mut current = lock(&self.prefs);
        let mut prefs = current.clone();
        change(&mut prefs);
        prefs.reminder = decisions::clamp_reminder(prefs.reminder);
        if decisions::sound_choice(&prefs.sound_name).is_none() {
            prefs.sound_name = decisions::REQUEST_SOUND.to_owned();
        }
        *current = prefs.clone();
        self.send(Input::Prefs(prefs.clone()));
        prefs
    }

    pub fn quitting(&self) -> bool {
        self.quitting.load(Ordering::SeqCst)
    }

    /// The process is about to exit (on purpose): exit requests go through from now on.
    pub fn set_quitting(&self) {
        self.quitting.store(true, Ordering::SeqCst);
    }

    /// Keep the token of a login; the webview gets a handle that only `session_store` takes.
    pub fn hold_login(&self, server: url::Url, token: String) -> String {
        let handle = format!("{LOGIN_HANDLE_PREFIX}{}", Uuid::new_v4().simple());
        *lock(&self.login) = Some((server, handle.clone(), token));
        handle
    }

    /// The token behind a handle from [`Shell::hold_login`], for the same server, once.
    pub fn take_login(&self, server: &url::Url, handle: &str) -> Option<String> {
        let mut held = lock(&self.login);
        match held.as_ref() {
            Some((s, h, _)) if s == server && h == handle => held.take().map(|(_, _, t)| t),
            _ => None,
        }
    }

    pub fn take_pending_open(&self) -> Option<Uuid> {
        lock(&self.pending_open).take()
    }

    pub fn set_pending_open(&self, request: Option<Uuid>) {
        *lock(&self.pending_open) = request;
    }

    /// Read the settings file and remember where it is.
    pub fn load_settings(&self, path: PathBuf) {
        if let Ok(bytes) = std::fs::read(&path) {
            if let Ok(settings) = serde_json::from_slice::<Settings>(&bytes) {
                let mut prefs = lock(&self.prefs);
                if let Some(seconds) = settings.reminder_seconds {
                    prefs.reminder = decisions::clamp_reminder(Duration::from_secs(seconds));
                }
                if let Some(sound) = settings.sound {
                    prefs.sound = sound;
                }
                if let Some(name) = settings
                    .sound_name
                    .as_deref()
                    .and_then(decisions::sound_choice)
                {
                    prefs.sound_name = name.to_owned();
                }
                if let Some(stay) = settings.stay {
                    prefs.stay = stay;
                }
            }
        }
        *lock(&self.settings_file) = Some(path);
    }

    /// Write the settings file (the owner, in the order the changes were made). The copy the
    /// commands read is `set_prefs`'s: writing this older value back into it would undo a
    /// change made meanwhile.
    fn save_settings(&self, prefs: &AlertPrefs) {
        let Some(path) = lock(&self.settings_file).clone() else {
            return;
        };
        let settings = Settings {
            reminder_seconds: Some(prefs.reminder.as_secs()),
            sound: Some(prefs.sound),
            sound_name: Some(prefs.sound_name.clone()),
            stay: Some(prefs.stay),
        };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = std::fs::write(&path, serde_json::to_vec(&settings).unwrap_or_default()) {
            tracing::warn!(%e, "could not save the settings");
        }
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

fn at() -> At {
    let now = now_ms();
    let utc_offset_minutes = chrono::DateTime::from_timestamp_millis(now)
        .map(|t| t.with_timezone(&chrono::Local).offset().local_minus_utc() / 60)
        .unwrap_or_default();
    let jitter = f64::from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default()
            % 1000,
    ) / 1000.0;
    At {
        now,
        utc_offset_minutes,
        jitter,
    }
}

impl Shell {
    /// What every process of the app listens to besides its surface: the screen lock and
    /// system sleep (each waits until the server heard "offline", so sleep waits for it) and
    /// SIGTERM/SIGINT (quit like "Beenden"). Spawn it on the app's runtime.
    pub async fn listen(self: Arc<Self>) {
        let on_desk = Arc::clone(&self);
        let handler: crate::lock::Handler = Arc::new(move |signal| {
            let shell = Arc::clone(&on_desk);
            Box::pin(async move {
                let leaving = match signal {
                    crate::lock::DeskSignal::ScreenLocked => Leaving::ScreenLocked,
                    crate::lock::DeskSignal::SystemSleep => Leaving::SystemSleep,
                };
                shell
                    .send_and_wait(|ticket| Input::Leave {
                        leaving,
                        ticket: Some(ticket),
                    })
                    .await;
            })
        });
        tokio::join!(crate::lock::watch(handler), self.quit_on_terminate());
    }

    #[cfg(unix)]
    async fn quit_on_terminate(&self) {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::info!("asked to terminate");
        self.send(Input::Leave {
            leaving: Leaving::Quit,
            ticket: None,
        });
    }

    #[cfg(not(unix))]
    async fn quit_on_terminate(&self) {}

    /// Start with the injected session (the automation hook) or the stored one. A session
    /// connects, but never switches availability on. Spawn it on the app's runtime.
    pub async fn start_session(self: Arc<Self>) {
        match crate::injected_session() {
            Some(Ok(session)) => {
                tracing::info!(server = %session.server, "session from {}/{}", crate::ENV_SERVER, crate::ENV_TOKEN);
                self.vault.inject(session);
                self.send(Input::SessionStarted);
            }
            Some(Err(e)) => {
                tracing::error!(%e, "{} is not a usable server address", crate::ENV_SERVER);
            }
            None => {
                if let Some(session) = self.vault.restore().await {
                    tracing::info!(server = %session.server, "stored session restored");
                    self.send(Input::SessionStarted);
                }
            }
        }
    }

    /// Be the owner (once): read the inputs, step the machine, carry the effects out, until
    /// the process ends. Call it on a Tokio runtime; it never returns.
    pub async fn own(self: Arc<Self>, surface: Arc<dyn Surface>) {
        let Some(mut inputs) = lock(&self.receiver).take() else {
            return;
        };
        let mut machine = Machine::new(self.prefs());
        let mut socket: Option<CancellationToken> = None;
        let mut ticker = tokio::time::interval(Duration::from_secs(1));
        loop {
            let input = tokio::select! {
                input = inputs.recv() => match input {
                    Some(input) => input,
                    None => return,
                },
                _ = ticker.tick() => Input::Tick,
            };
            let at = at();
            let effects = machine.step(input, at);
            *lock(&self.status) = machine.status(at.now);
            if machine.quitting() {
                self.quitting.store(true, Ordering::SeqCst);
            }
            for effect in effects {
                self.carry_out(&*surface, effect, &mut socket);
            }
        }
    }

    fn carry_out(
        self: &Arc<Self>,
        surface: &dyn Surface,
        effect: Effect,
        socket: &mut Option<CancellationToken>,
    ) {
        match effect {
            Effect::Call { ask, call } => {
                let shell = Arc::clone(self);
                tokio::spawn(async move {
                    let answer = answer(&shell, call).await;
                    shell.send(Input::Answer { ask, answer });
                });
            }
            Effect::Connect {
                generation,
                fresh,
                after,
            } => {
                if let Some(old) = socket.take() {
                    old.cancel();
                }
                if let Some(session) = self.vault.session() {
                    let cancel = CancellationToken::new();
                    *socket = Some(cancel.clone());
                    let shell = Arc::clone(self);
                    tokio::spawn(async move {
                        let report = |news| {
                            shell.send(Input::Socket { generation, news });
                        };
                        tokio::select! {
                            () = cancel.cancelled() => {}
                            () = server::socket(&session, fresh, after, report) => {}
                        }
                    });
                }
            }
            Effect::Disconnect => {
                if let Some(old) = socket.take() {
                    old.cancel();
                }
                surface.disconnected();
            }
            Effect::ForgetSession { ticket } => {
                self.vault.clear_current();
                let shell = Arc::clone(self);
                tokio::spawn(async move {
                    shell.vault.forget().await;
                    if let Some(ticket) = ticket {
                        shell.done(ticket);
                    }
                });
            }
            Effect::Tray(view) => surface.tray(view),
            Effect::Notify(notice) => self.notifier.show(notice),
            Effect::Withdraw(request) => self.notifier.withdraw(request),
            Effect::Emit(emission) => surface.emit(emission),
            Effect::ShowWindow { open } => surface.show_window(open),
            Effect::CloseWindow => surface.close_window(),
            Effect::Attention(on) => surface.attention(on),
            Effect::Confirm { dialog, question } => surface.confirm(dialog, question),
            Effect::SavePrefs(prefs) => self.save_settings(&prefs),
            Effect::Exit => {
                self.quitting.store(true, Ordering::SeqCst);
                surface.exit();
            }
            Effect::Done(ticket) => self.done(ticket),
        }
    }
}

fn failure(e: ApiFailure) -> Failure {
    match e {
        ApiFailure::Unauthorized => Failure::Unauthorized,
        ApiFailure::Refused { status, .. } => Failure::Refused(status),
        ApiFailure::Unreachable(why) => {
            tracing::debug!(%why, "the server did not answer");
            Failure::Unreachable
        }
    }
}

/// Make a call of the machine's with the session's token. Always answers, within the bound.
async fn answer(shell: &Shell, call: Call) -> Answer {
    let Some(api) = shell.api() else {
        return match call {
            Call::Me => Answer::Me(Err(Failure::Unreachable)),
            Call::Coverage => Answer::Coverage(Err(Failure::Unreachable)),
            Call::Requests => Answer::Requests(Err(Failure::Unreachable)),
            Call::Switch(_) | Call::Offline(_) => Answer::Availability(Err(Failure::Unreachable)),
            Call::Logout => Answer::Done(Err(Failure::Unreachable)),
        };
    };
    match call {
        Call::Me => Answer::Me(api.me().await.map_err(failure)),
        Call::Coverage => Answer::Coverage(api.coverage().await.map_err(failure)),
        Call::Requests => Answer::Requests(api.requests().await.map_err(failure)),
        Call::Switch(on) => Answer::Availability(api.switch(on).await.map_err(failure)),
        Call::Offline(reason) => {
            let bounded =
                tokio::time::timeout(OFFLINE_TIMEOUT, api.offline(reason, OFFLINE_TIMEOUT)).await;
            let result = bounded.unwrap_or_else(|_| {
                Err(ApiFailure::Unreachable("no answer within the bound".into()))
            });
            let delivered = result.is_ok();
            tracing::info!(?reason, delivered, "offline signalled");
            Answer::Availability(result.map_err(failure))
        }
        Call::Logout => {
            let bounded = tokio::time::timeout(OFFLINE_TIMEOUT, api.logout(OFFLINE_TIMEOUT)).await;
            let result = bounded.unwrap_or_else(|_| {
                Err(ApiFailure::Unreachable("no answer within the bound".into()))
            });
            if let Err(e) = &result {
                tracing::warn!(%e, "logout not acknowledged");
            }
            Answer::Done(result.map_err(failure))
        }
    }
}

impl Shell {
    pub fn api(&self) -> Option<server::Api> {
        self.vault
            .session()
            .map(|session| server::Api::new(self.http.clone(), session))
    }
}
