//! The one owner of the shell's state: a task that reads a channel of inputs, asks the
//! [`Machine`] (crate `pforte-shell-core`) what to do and carries the effects out.
//!
//! Everything else only sends inputs: the tray's clicks, window events, the lock and sleep
//! listeners, notification clicks, the socket task's news, the HTTP tasks' answers (tagged with
//! the ask they answer), the commands, a one-second tick. Nothing but this task changes what
//! the shell knows; the commands read a snapshot published after every step.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use pforte_shell_core::decisions::{self, AlertPrefs, OFFLINE_TIMEOUT};
use pforte_shell_core::machine::{
    Answer, At, Call, Effect, Emission, Failure, Input, Machine, Status, Ticket,
};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::notifications::Notifier;
use crate::server::{self, ApiFailure};
use crate::session::Vault;
use crate::{dialog, events, live, tray, window};

/// The shell's adapters and the door to its owner, managed by Tauri as `Arc<Shell>`.
pub struct Shell {
    pub vault: Vault,
    pub notifier: Notifier,
    pub http: reqwest::Client,
    pub live: Arc<live::Sockets>,
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
            live: Arc::default(),
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

pub fn shell<R: Runtime>(app: &AppHandle<R>) -> Arc<Shell> {
    Arc::clone(&app.state::<Arc<Shell>>())
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

/// Start the owner (once) and its one-second tick.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let shell = shell(app);
    let Some(mut inputs) = lock(&shell.receiver).take() else {
        return;
    };
    let ticking = Arc::clone(&shell);
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut machine = Machine::new(shell.prefs());
        let mut socket: Option<CancellationToken> = None;
        while let Some(input) = inputs.recv().await {
            let at = at();
            let effects = machine.step(input, at);
            *lock(&shell.status) = machine.status(at.now);
            if machine.quitting() {
                shell.quitting.store(true, Ordering::SeqCst);
            }
            for effect in effects {
                carry_out(&app, &shell, effect, &mut socket);
            }
        }
    });
    tauri::async_runtime::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_secs(1));
        loop {
            ticker.tick().await;
            ticking.send(Input::Tick);
        }
    });
}

fn carry_out<R: Runtime>(
    app: &AppHandle<R>,
    shell: &Arc<Shell>,
    effect: Effect,
    socket: &mut Option<CancellationToken>,
) {
    match effect {
        Effect::Call { ask, call } => {
            let shell = Arc::clone(shell);
            tauri::async_runtime::spawn(async move {
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
            if let Some(session) = shell.vault.session() {
                let cancel = CancellationToken::new();
                *socket = Some(cancel.clone());
                let shell = Arc::clone(shell);
                tauri::async_runtime::spawn(async move {
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
            shell.live.close_all();
        }
        Effect::ForgetSession { ticket } => {
            shell.vault.clear_current();
            let shell = Arc::clone(shell);
            tauri::async_runtime::spawn(async move {
                shell.vault.forget().await;
                if let Some(ticket) = ticket {
                    shell.done(ticket);
                }
            });
        }
        Effect::Tray(view) => tray::show_later(app, view),
        Effect::Notify(notice) => shell.notifier.show(app, notice),
        Effect::Withdraw(request) => shell.notifier.withdraw(request),
        Effect::Emit(emission) => emit(app, emission),
        Effect::ShowWindow { open } => window::show(app, open),
        Effect::CloseWindow => {
            shell.live.close_all();
            window::close(app);
        }
        Effect::Attention(on) => window::attention(app, on),
        Effect::Confirm { dialog, question } => dialog::confirm(app, dialog, question),
        Effect::SavePrefs(prefs) => shell.save_settings(&prefs),
        Effect::Exit => {
            shell.quitting.store(true, Ordering::SeqCst);
            app.exit(0);
        }
        Effect::Done(ticket) => shell.done(ticket),
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

fn emit<R: Runtime>(app: &AppHandle<R>, emission: Emission) {
    let sent = match emission {
        Emission::AvailabilitySignal { reason, delivered } => app.emit(
            events::AVAILABILITY_SIGNAL,
            events::AvailabilitySignal { reason, delivered },
        ),
        Emission::Availability(availability) => {
            app.emit(events::AVAILABILITY_CHANGED, availability)
        }
        Emission::SessionEnded(reason) => {
            app.emit(events::SESSION_ENDED, events::SessionEnded { reason })
        }
        Emission::Connection(connected) => {
            app.emit(events::CONNECTION_CHANGED, events::Connection { connected })
        }
        Emission::ServerEvent(event) => app.emit(events::SERVER_EVENT, event),
    };
    if let Err(e) = sent {
        tracing::debug!(%e, "event not emitted");
    }
}
