//! The commands the dashboard calls (`invoke` from `@tauri-apps/api/core`). Each is allowed to
//! the main window only, by name (`capabilities/main-window.json`). See `src-tauri/README.md`.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tauri::ipc::Invoke;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_autostart::ManagerExt;

use crate::decisions::{self, Leaving};
use crate::offline;
use crate::server::{self, RawAnswer};
use crate::session::{SecretStoreStatus, Session, StoredIn};
use crate::shell::{self, Shell, Status};

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
        server_hint,
    ]
}

/// The current session, for the dashboard's own calls.
#[derive(Debug, Serialize)]
pub struct SessionInfo {
    pub server: String,
    pub token: String,
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
            token: session.token,
            stored_in,
        })
}

/// Keep the session the dashboard logged in with, and connect the shell to that server.
/// Never switches availability on.
#[tauri::command]
async fn session_store<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Arc<Shell>>,
    server: String,
    token: String,
) -> Result<Stored, String> {
    let server = decisions::server_address(&server)?;
    if token.is_empty() || token.len() > 512 || !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err("ungültiges Token".to_owned());
    }
    let session = Session { server, token };
    let stored_in = shell.vault.keep(session.clone()).await;
    shell::start_session(&app, session);
    Ok(Stored {
        stored_in,
        secret_store: shell.vault.status().await,
    })
}

/// Forget the session here (the server is not told; use `logout` for that).
#[tauri::command]
async fn session_clear<R: Runtime>(app: AppHandle<R>) -> Result<(), String> {
    shell::end_session(&app).await;
    Ok(())
}

/// Log out as the tray's "Abmelden" does: the server switches off and ends the session.
#[tauri::command]
async fn logout<R: Runtime>(app: AppHandle<R>) -> Result<(), String> {
    offline::leave(&app, Leaving::Logout).await;
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
    shell.reminder().as_secs()
}

/// Set the reminder interval (10 s … 1 h); returns the value in force.
#[tauri::command]
fn reminder_set(shell: State<'_, Arc<Shell>>, seconds: u64) -> u64 {
    shell.set_reminder(Duration::from_secs(seconds)).as_secs()
}

/// Whether request notifications ask for a sound (the dashboard's sound setting).
#[tauri::command]
fn sound_get(shell: State<'_, Arc<Shell>>) -> bool {
    shell.sound()
}

#[tauri::command]
fn sound_set(shell: State<'_, Arc<Shell>>, on: bool) -> bool {
    shell.set_sound(on)
}

/// The server address to offer in the login form when the app was started with one
/// (`PFORTE_DESKTOP_SERVER`, e.g. by `scripts/demo`), whether or not a token came with it.
#[tauri::command]
fn server_hint() -> Option<String> {
    let typed = std::env::var(crate::ENV_SERVER).ok()?;
    let server = decisions::server_address(&typed).ok()?;
    Some(server.as_str().trim_end_matches('/').to_owned())
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
/// the server itself: CSP and CORS). `server` is needed only before a session exists (login).
#[tauri::command]
async fn api_request(
    shell: State<'_, Arc<Shell>>,
    method: String,
    path: String,
    body: Option<serde_json::Value>,
    server: Option<String>,
) -> Result<RawAnswer, String> {
    let current = shell.vault.session();
    let (origin, token) = match (&current, server) {
        (Some(session), None) => (session.server.clone(), Some(session.token.clone())),
        (Some(session), Some(typed)) => {
            let typed = decisions::server_address(&typed)?;
            let token = (typed == session.server).then(|| session.token.clone());
            (typed, token)
        }
        (None, Some(typed)) => (decisions::server_address(&typed)?, None),
        (None, None) => return Err("nicht angemeldet".to_owned()),
    };
    server::raw_call(&shell.http, &origin, token.as_deref(), &method, &path, body)
        .await
        .map_err(|e| e.to_string())
}
