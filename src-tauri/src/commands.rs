//! The commands the dashboard calls (`invoke` from `@tauri-apps/api/core`). Each is allowed to
//! the main window only, by name (`capabilities/main-window.json`). See `src-tauri/README.md`.
//!
//! What they let the webview reach: the session's server (or, before a login, the server the
//! login form names, for `POST /api/auth/login` only), its REST API under `/api/` and its
//! counselor socket, always through the shell. The session's token never reaches the webview.

use std::sync::Arc;
use std::time::Duration;

use pforte_shell_core::decisions::{self, AlertPrefs, Leaving};
use pforte_shell_core::machine::{Input, Status};
use serde::{Deserialize, Serialize};
use tauri::ipc::{Channel, Invoke};
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_autostart::ManagerExt;
use uuid::Uuid;

use crate::live::{LiveMessage, Sockets};
use crate::server::{self, RawAnswer};
use crate::session::{SecretStoreStatus, Session, StoredIn};
use crate::shell::{Shell, LOGIN_HANDLE_PREFIX};

/// All commands, for `Builder::invoke_handler`.
pub fn handler<R: Runtime>() -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        session_get,
        session_store,
        session_clear,
        logout,
        secret_store_available,
        autostart_get,
        autostart_set,
        reminder_get,
        reminder_set,
        shell_status,
        api_request,
        api_download,
        sound_get,
        sound_set,
        alerts_get,
        alerts_set,
        server_hint,
        open_request_take,
        live_open,
        live_send,
        live_close,
        device_key_get,
        device_key_set,
    ]
}

/// This device's end-to-end key record for `account` (`<server>|<login>`), from the OS
/// secret store; `null` when there is none. An error when no secret store answers.
#[tauri::command]
async fn device_key_get(account: String) -> Result<Option<String>, String> {
    crate::session::DeviceKeyEntry::new(&account)?.load().await
}

/// Keep this device's end-to-end key record in the OS secret store.
#[tauri::command]
async fn device_key_set(account: String, record: String) -> Result<(), String> {
    crate::session::DeviceKeyEntry::new(&account)?
        .save(record)
        .await
}

/// The current session as the dashboard may know it: where, and where it is kept. Not the
/// token: the shell adds it to every call itself.
#[derive(Debug, Serialize)]
pub struct SessionInfo {
    pub server: String,
    pub stored_in: StoredIn,
}

#[derive(Debug, Serialize)]
pub struct Stored {
    pub stored_in: StoredIn,
    pub secret_store: SecretStoreStatus,
}

#[tauri::command]
fn session_get(shell: State<'_, Arc<Shell>>) -> Option<SessionInfo> {
    shell
        .vault
        .current()
        .map(|(session, stored_in)| SessionInfo {
            server: session.server.to_string(),
            stored_in,
        })
}

/// Keep the session the dashboard logged in with, and connect the shell to that server.
/// `token` is the handle the login's answer carried (`held-by-shell:…`); a plain token is
/// taken too (automation). Never switches availability on.
#[tauri::command]
async fn session_store(
    shell: State<'_, Arc<Shell>>,
    server: String,
    token: String,
) -> Result<Stored, String> {
    let server = decisions::server_address(&server)?;
    let token = if token.starts_with(LOGIN_HANDLE_PREFIX) {
        shell
            .take_login(&server, &token)
            .ok_or("keine Anmeldung bei diesem Server")?
    } else {
        token
    };
    if token.is_empty() || token.len() > 512 || !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err("ungültiges Token".to_owned());
    }
    let session = Session { server, token };
    let stored_in = shell.vault.keep(session).await;
    shell.send(Input::SessionStarted);
    Ok(Stored {
        stored_in,
        secret_store: shell.vault.status().await,
    })
}

/// Forget the session here (the server is not told; use `logout` for that).
#[tauri::command]
async fn session_clear(shell: State<'_, Arc<Shell>>) -> Result<(), String> {
    shell
        .send_and_wait(|ticket| Input::SessionCleared {
            ticket: Some(ticket),
        })
        .await;
    Ok(())
}

/// Log out as the tray's "Abmelden" does: the server switches off and ends the session.
#[tauri::command]
async fn logout(shell: State<'_, Arc<Shell>>) -> Result<(), String> {
    shell
        .send_and_wait(|ticket| Input::Leave {
            leaving: Leaving::Logout,
            ticket: Some(ticket),
        })
        .await;
    Ok(())
}

#[tauri::command]
async fn secret_store_available(shell: State<'_, Arc<Shell>>) -> Result<SecretStoreStatus, String> {
    Ok(shell.vault.status().await)
}

#[tauri::command]
fn autostart_get<R: Runtime>(app: AppHandle<R>) -> Result<bool, String> {
    app.autolaunch().is_enabled().map_err(|e| e.to_string())
}

/// Start at login (off by default); started so, the app begins hidden in the tray.
#[tauri::command]
fn autostart_set<R: Runtime>(app: AppHandle<R>, enabled: bool) -> Result<bool, String> {
    let autostart = app.autolaunch();
    if enabled {
        autostart.enable()
    } else {
        autostart.disable()
    }
    .map_err(|e| e.to_string())?;
    autostart.is_enabled().map_err(|e| e.to_string())
}

/// Seconds after which a waiting request is notified again.
#[tauri::command]
fn reminder_get(shell: State<'_, Arc<Shell>>) -> u64 {
    shell.prefs().reminder.as_secs()
}

/// Set the reminder interval (10 s … 1 h); returns the value in force.
#[tauri::command]
fn reminder_set(shell: State<'_, Arc<Shell>>, seconds: u64) -> u64 {
    shell
        .set_prefs(|prefs| prefs.reminder = Duration::from_secs(seconds))
        .reminder
        .as_secs()
}

/// Whether request notifications ask for a sound (the dashboard's sound setting).
#[tauri::command]
fn sound_get(shell: State<'_, Arc<Shell>>) -> bool {
    shell.prefs().sound
}

#[tauri::command]
fn sound_set(shell: State<'_, Arc<Shell>>, on: bool) -> bool {
    shell.set_prefs(|prefs| prefs.sound = on).sound
}

/// How request notifications behave, beyond the reminder and the sound switch.
#[derive(Debug, Serialize, Deserialize)]
pub struct Alerts {
    /// The sound (freedesktop name), one of `sounds`.
    pub sound_name: String,
    /// Notifications stay until acted on.
    pub stay: bool,
    /// The sounds to choose from (only in answers).
    #[serde(default)]
    pub sounds: Vec<String>,
}

fn alerts_of(prefs: &AlertPrefs) -> Alerts {
    Alerts {
        sound_name: prefs.sound_name.clone(),
        stay: prefs.stay,
        sounds: decisions::SOUNDS.iter().map(|s| (*s).to_owned()).collect(),
    }
}

#[tauri::command]
fn alerts_get(shell: State<'_, Arc<Shell>>) -> Alerts {
    alerts_of(&shell.prefs())
}

/// Choose the sound and whether notifications stay; an unknown sound becomes the default.
/// Returns what is in force.
#[tauri::command]
fn alerts_set(shell: State<'_, Arc<Shell>>, sound_name: String, stay: bool) -> Alerts {
    alerts_of(&shell.set_prefs(|prefs| {
        prefs.sound_name = sound_name;
        prefs.stay = stay;
    }))
}

/// The server address to offer in the login form when the app was started with one
/// (`PFORTE_DESKTOP_SERVER`, e.g. by `scripts/demo`), whether or not a token came with it.
#[tauri::command]
fn server_hint() -> Option<String> {
    let typed = std::env::var(crate::ENV_SERVER).ok()?;
    let server = decisions::server_address(&typed).ok()?;
    Some(server.as_str().trim_end_matches('/').to_owned())
}

/// The request a notification click built this window for, once.
#[tauri::command]
fn open_request_take(shell: State<'_, Arc<Shell>>) -> Option<Uuid> {
    shell.take_pending_open()
}

/// What a download did: the server's status, its error body if it refused, and where the
/// file was saved if it did not.
#[derive(Debug, Serialize)]
pub struct DownloadAnswer {
    pub status: u16,
    pub body: serde_json::Value,
    pub saved_to: Option<String>,
}

/// Download a file the server generates (`GET /api/…`, e.g. the statistics workbook) with
/// the session's token into the user's download folder; a taken name gets a number. The
/// webview cannot do it itself (no network, and `<a download>` is not a save in a webview).
#[tauri::command]
async fn api_download<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Arc<Shell>>,
    path: String,
    file_name: String,
) -> Result<DownloadAnswer, String> {
    use tauri::Manager;
    let session = shell.vault.session().ok_or("nicht angemeldet")?;
    let got = server::download(&shell.http, &session.server, &session.token, &path)
        .await
        .map_err(|e| e.to_string())?;
    if !(200..300).contains(&got.status) {
        let body = serde_json::from_slice(&got.bytes).unwrap_or(serde_json::Value::Null);
        return Ok(DownloadAnswer {
            status: got.status,
            body,
            saved_to: None,
        });
    }
    // The XDG download folder where one is configured, else ~/Downloads.
    let dir = app
        .path()
        .download_dir()
        .or_else(|_| app.path().home_dir().map(|home| home.join("Downloads")))
        .map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let name = decisions::download_file_name(got.file_name.as_deref(), &file_name);
    let name = decisions::free_file_name(&name, |candidate| dir.join(candidate).exists());
    let target = dir.join(name);
    std::fs::write(&target, &got.bytes).map_err(|e| e.to_string())?;
    tracing::info!(path = %target.display(), "download saved");
    Ok(DownloadAnswer {
        status: got.status,
        body: serde_json::Value::Null,
        saved_to: Some(target.display().to_string()),
    })
}

/// What the shell knows and shows (connection, availability, waiting count, tray).
#[tauri::command]
fn shell_status(shell: State<'_, Arc<Shell>>) -> Status {
    shell.status()
}

/// A REST call to the configured server with the session's token (the webview cannot reach
/// the server itself: CSP and CORS).
///
/// With a session, `server` (if given) must be the session's server: nothing else is
/// contacted. Without one, only the login itself (`POST /api/auth/login`) goes to the server
/// the form names; the token in its answer is replaced by a handle for `session_store`.
#[tauri::command]
async fn api_request(
    shell: State<'_, Arc<Shell>>,
    method: String,
    path: String,
    body: Option<serde_json::Value>,
    server: Option<String>,
) -> Result<RawAnswer, String> {
    let typed = server
        .as_deref()
        .map(decisions::server_address)
        .transpose()?;
    match (shell.vault.session(), typed) {
        (Some(session), typed) => {
            if typed.is_some_and(|typed| typed != session.server) {
                return Err("nur der Server der Anmeldung".to_owned());
            }
            server::raw_call(
                &shell.http,
                &session.server,
                Some(&session.token),
                &method,
                &path,
                body,
            )
            .await
            .map_err(|e| e.to_string())
        }
        (None, Some(typed)) => {
            if !decisions::login_call(&method, &path) {
                return Err("nicht angemeldet".to_owned());
            }
            let mut answer = server::raw_call(&shell.http, &typed, None, &method, &path, body)
                .await
                .map_err(|e| e.to_string())?;
            if let Some(token) = answer
                .body
                .get_mut("token")
                .filter(|_| answer.status == 200)
            {
                if let Some(real) = token.as_str().map(str::to_owned) {
                    *token = serde_json::Value::String(shell.hold_login(typed, real));
                }
            }
            Ok(answer)
        }
        (None, None) => Err("nicht angemeldet".to_owned()),
    }
}

/// Open the dashboard's own counselor socket on the session's server (the shell adds the
/// token). Messages arrive on `on_message`: `{kind: "open"}`, `{kind: "text", data}`,
/// `{kind: "closed", code}` (always last). Returns the socket's id.
#[tauri::command]
fn live_open(
    shell: State<'_, Arc<Shell>>,
    live: State<'_, Arc<Sockets>>,
    fresh: bool,
    on_message: Channel<LiveMessage>,
) -> Result<u32, String> {
    let session = shell.vault.session().ok_or("nicht angemeldet")?;
    Ok(live.open(session, fresh, move |message| {
        let _ = on_message.send(message);
    }))
}

#[tauri::command]
fn live_send(live: State<'_, Arc<Sockets>>, id: u32, text: String) -> bool {
    live.send(id, text)
}

#[tauri::command]
fn live_close(live: State<'_, Arc<Sockets>>, id: u32) {
    live.close(id);
}
