//! The shell's state and the glue that carries out the decisions of [`crate::decisions`]:
//! it holds what the shell knows, starts and stops the server connection, and turns effects
//! into tray updates, notifications and events for the webview.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use pforte_wire::{Availability, ServerEvent, SessionEndReason};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio_util::sync::CancellationToken;

use crate::decisions::{self, Alert, Effect, Knowledge, Leaving};
use crate::notifications::Notifier;
use crate::server::{self, Api};
use crate::session::{Session, Vault};
use crate::{events, offline, tray, window};

/// The shell's state, managed by Tauri as `Arc<Shell>`.
pub struct Shell {
    pub vault: Vault,
    pub notifier: Notifier,
    pub http: reqwest::Client,
    known: Mutex<Knowledge>,
    connection: Mutex<Option<CancellationToken>>,
    last_toggle: Mutex<Option<Instant>>,
    reminder: Mutex<Duration>,
    sound: AtomicBool,
    settings_file: Mutex<Option<PathBuf>>,
    /// Set once the exit is decided, so the next exit request goes through.
    pub quitting: AtomicBool,
}

#[derive(Serialize, serde::Deserialize, Default)]
struct Settings {
    reminder_seconds: Option<u64>,
    /// Whether request notifications ask for a sound (default: yes).
    sound: Option<bool>,
}

/// What the shell reports about itself (command `shell_status`).
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    pub logged_in: bool,
    pub connected: bool,
    pub availability: Option<Availability>,
    pub waiting: u32,
    pub tray: decisions::TrayView,
}

impl Shell {
    pub fn new(vault: Vault, notifier: Notifier) -> Self {
        Self {
            vault,
            notifier,
            http: server::http_client(),
            known: Mutex::new(Knowledge::default()),
            connection: Mutex::new(None),
            last_toggle: Mutex::new(None),
            reminder: Mutex::new(decisions::DEFAULT_REMINDER),
            sound: AtomicBool::new(true),
            settings_file: Mutex::new(None),
            quitting: AtomicBool::new(false),
        }
    }

    /// What the shell knows. Never hold the guard across an `.await`.
    pub fn known(&self) -> MutexGuard<'_, Knowledge> {
        self.known
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn api(&self) -> Option<Api> {
        self.vault
            .session()
            .map(|session| Api::new(self.http.clone(), session))
    }

    pub fn status(&self) -> Status {
        let known = self.known();
        Status {
            logged_in: known.logged_in,
            connected: known.connected,
            availability: known.availability.clone(),
            waiting: known.waiting_total(),
            tray: decisions::tray_view(&known),
        }
    }

    /// Time since the last accepted tray toggle; records `now` when `accept` says so.
    pub fn toggle_gap(&self) -> Option<Duration> {
        let last = self.last_toggle.lock().ok()?;
        last.map(|at| at.elapsed())
    }

    pub fn record_toggle(&self) {
        if let Ok(mut last) = self.last_toggle.lock() {
            *last = Some(Instant::now());
        }
    }

    pub fn reminder(&self) -> Duration {
        self.reminder
            .lock()
            .map(|r| *r)
            .unwrap_or(decisions::DEFAULT_REMINDER)
    }

    /// Set the reminder interval (clamped), and remember it in the settings file.
    pub fn set_reminder(&self, chosen: Duration) -> Duration {
        let value = decisions::clamp_reminder(chosen);
        if let Ok(mut reminder) = self.reminder.lock() {
            *reminder = value;
        }
        self.save_settings();
        value
    }

    /// Whether request notifications ask for a sound.
    pub fn sound(&self) -> bool {
        self.sound.load(Ordering::SeqCst)
    }

    /// Switch the notification sound, and remember it in the settings file.
    pub fn set_sound(&self, on: bool) -> bool {
        self.sound.store(on, Ordering::SeqCst);
        self.save_settings();
        on
    }

    fn save_settings(&self) {
        let Some(path) = self.settings_file.lock().ok().and_then(|p| p.clone()) else {
            return;
        };
        let settings = Settings {
            reminder_seconds: Some(self.reminder().as_secs()),
            sound: Some(self.sound()),
        };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = std::fs::write(&path, serde_json::to_vec(&settings).unwrap_or_default()) {
            tracing::warn!(%e, "could not save the settings");
        }
    }

    /// Read the settings file (not secret: only preferences live there).
    pub fn load_settings(&self, path: PathBuf) {
        if let Ok(bytes) = std::fs::read(&path) {
            if let Ok(settings) = serde_json::from_slice::<Settings>(&bytes) {
                if let Some(seconds) = settings.reminder_seconds {
                    if let Ok(mut reminder) = self.reminder.lock() {
                        *reminder = decisions::clamp_reminder(Duration::from_secs(seconds));
                    }
                }
                if let Some(sound) = settings.sound {
                    self.sound.store(sound, Ordering::SeqCst);
                }
            }
        }
        if let Ok(mut file) = self.settings_file.lock() {
            *file = Some(path);
        }
    }

    fn replace_connection(&self, next: Option<CancellationToken>) {
        if let Ok(mut connection) = self.connection.lock() {
            if let Some(old) = connection.take() {
                old.cancel();
            }
            *connection = next;
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

/// Local "HH:MM" of an epoch time, for notifications.
pub fn local_clock(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&chrono::Local).format("%H:%M").to_string())
        .unwrap_or_default()
}

/// Begin (or switch to) a session: connect to its server. Never switches availability on.
pub fn start_session<R: Runtime>(app: &AppHandle<R>, session: Session) {
    let shell = shell(app);
    {
        let mut known = shell.known();
        known.forget_session();
        known.logged_in = true;
    }
    let cancel = CancellationToken::new();
    shell.replace_connection(Some(cancel.clone()));
    tauri::async_runtime::spawn(server::run(app.clone(), session, cancel));
    refresh(app);
}

/// Stop the connection and forget the session (logout, expiry, `session_clear`). Returns
/// whether there was one.
pub async fn end_session<R: Runtime>(app: &AppHandle<R>) -> bool {
    let shell = shell(app);
    let had = shell.vault.session().is_some();
    shell.replace_connection(None);
    shell.known().forget_session();
    shell.vault.forget().await;
    refresh(app);
    had
}

pub fn set_connected<R: Runtime>(app: &AppHandle<R>, connected: bool) {
    let shell = shell(app);
    let changed = {
        let mut known = shell.known();
        let changed = known.connected != connected;
        known.connected = connected;
        changed
    };
    if changed {
        let _ = app.emit(events::CONNECTION_CHANGED, events::Connection { connected });
        refresh(app);
    }
}

/// The server ended the session (socket told us, or the token was refused).
pub fn session_over<R: Runtime>(app: &AppHandle<R>, reason: SessionEndReason) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let leaving = match reason {
            SessionEndReason::Expired => Leaving::SessionExpired,
            // Logged out on this session elsewhere (or by us): no more to say to the server.
            SessionEndReason::LoggedOut => Leaving::SessionExpired,
        };
        let plan = {
            let shell = shell(&app);
            let known = shell.known();
            if !known.logged_in {
                return; // already handled (our own logout, or a second notice of the end)
            }
            let mut plan = decisions::plan(&known, leaving);
            if reason == SessionEndReason::LoggedOut {
                plan.tell = None;
            }
            plan
        };
        offline::carry_out(&app, plan, Some(reason)).await;
    });
}

/// Update the tray from what the shell knows. The update runs on the main thread, where the
/// tray lives, and reads the knowledge there, so the latest state always wins; no thread ever
/// waits for the main thread while holding a lock.
pub fn refresh<R: Runtime>(app: &AppHandle<R>) {
    let handle = app.clone();
    let scheduled = app.run_on_main_thread(move || {
        let view = decisions::tray_view(&shell(&handle).known());
        tray::show(&handle, &view);
    });
    if let Err(e) = scheduled {
        tracing::debug!(%e, "tray not updated");
    }
}

pub fn emit_availability<R: Runtime>(app: &AppHandle<R>) {
    let availability = shell(app).known().availability.clone();
    if let Some(availability) = availability {
        let _ = app.emit(events::AVAILABILITY_CHANGED, availability);
    }
}

/// A server event: decide, then carry the effects out.
pub fn on_server_event<R: Runtime>(app: &AppHandle<R>, event: &ServerEvent) {
    let _ = app.emit(events::SERVER_EVENT, event);
    let effects = {
        let shell = shell(app);
        let mut known = shell.known();
        decisions::on_server_event(&mut known, event, now_ms())
    };
    for effect in effects {
        carry_out(app, effect);
    }
}

fn carry_out<R: Runtime>(app: &AppHandle<R>, effect: Effect) {
    match effect {
        Effect::Tray => refresh(app),
        Effect::EmitAvailability => emit_availability(app),
        Effect::Notify(alert) => notify(app, &alert),
        Effect::SessionOver(reason) => session_over(app, reason),
        Effect::Resync => spawn_resync(app, true),
        Effect::FetchRequests => spawn_resync(app, false),
    }
}

pub fn notify<R: Runtime>(app: &AppHandle<R>, alert: &Alert) {
    let shell = shell(app);
    let mut notice = decisions::notice(alert, local_clock);
    // The counselor's "sound" setting (dashboard > settings) silences request notifications.
    notice.sound &= shell.sound();
    shell.notifier.show(app, notice);
}

/// Re-read what the server knows: everything (`full`), or only the waiting requests.
fn spawn_resync<R: Runtime>(app: &AppHandle<R>, full: bool) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let shell = shell(&app);
        let Some(api) = shell.api() else { return };
        if full {
            match api.me().await {
                Ok(me) => {
                    let mut known = shell.known();
                    known.my_topics = me.topics.iter().map(|t| t.id).collect();
                    known.set_availability(me.availability);
                }
                Err(e) if e.is_unauthorized() => {
                    session_over(&app, SessionEndReason::Expired);
                    return;
                }
                Err(e) => tracing::warn!(%e, "could not read /api/me"),
            }
            match api.coverage().await {
                Ok(coverage) => shell.known().set_coverage(&coverage.topics),
                Err(e) => tracing::warn!(%e, "could not read the coverage"),
            }
            emit_availability(&app);
        }
        if shell.known().available() {
            match api.requests().await {
                Ok(list) => shell.known().set_requests(&list.requests, now_ms()),
                Err(e) => tracing::debug!(%e, "could not read the requests"),
            }
        }
        refresh(&app);
    });
}

/// Remind of requests that wait too long, every few seconds, for the app's lifetime.
pub fn spawn_reminders<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_secs(5));
        loop {
            ticker.tick().await;
            let alerts = {
                let shell = shell(&app);
                let every = shell.reminder();
                let mut known = shell.known();
                decisions::reminders_due(&mut known, now_ms(), every)
            };
            for alert in alerts {
                notify(&app, &alert);
            }
        }
    });
}

/// A click on a request notification: bring the window up on that request.
pub fn open_request<R: Runtime>(app: &AppHandle<R>, request_id: uuid::Uuid) {
    window::show_main(app);
    let _ = app.emit(events::OPEN_REQUEST, events::OpenRequest { request_id });
}

/// The tray's availability item was clicked.
pub fn toggle_clicked<R: Runtime>(app: &AppHandle<R>) {
    let shell = shell(app);
    let decision = {
        let known = shell.known();
        decisions::toggle_click(&known, shell.toggle_gap())
    };
    match decision {
        decisions::ToggleClick::Ignore => refresh(app),
        decisions::ToggleClick::Switch(on) => {
            shell.record_toggle();
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let shell = self::shell(&app);
                let Some(api) = shell.api() else { return };
                match api.switch(on).await {
                    Ok(availability) => {
                        shell.known().set_availability(availability);
                        emit_availability(&app);
                    }
                    Err(e) if e.is_unauthorized() => {
                        session_over(&app, SessionEndReason::Expired);
                    }
                    Err(e) => tracing::warn!(%e, on, "the server refused the switch"),
                }
                refresh(&app);
            });
        }
    }
}

/// Is the app quitting already?
pub fn quitting<R: Runtime>(app: &AppHandle<R>) -> bool {
    shell(app).quitting.load(Ordering::SeqCst)
}
