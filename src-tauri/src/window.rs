//! The one window: the dashboard, loaded from the bundled UI only. It exists only while it is
//! on screen: closing it destroys the webview (and with it WebKit's web process), and
//! "Dashboard öffnen", a notification click or a second start build it again.

use tauri::webview::NewWindowResponse;
use tauri::{
    AppHandle, Emitter, Manager, Runtime, UserAttentionType, WebviewUrl, WebviewWindowBuilder,
};
use uuid::Uuid;

use pforte_shell_core::decisions;

use crate::{events, shell};

pub const MAIN: &str = "main";

/// Build the main window (hidden; shown once its saved place is restored).
fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<tauri::WebviewWindow<R>> {
    let dev_url = if tauri::is_dev() {
        app.config().build.dev_url.clone()
    } else {
        None
    };
    WebviewWindowBuilder::new(app, MAIN, WebviewUrl::App("index.html".into()))
        .title("Pforte")
        .inner_size(1100.0, 760.0)
        .min_inner_size(640.0, 480.0)
        .visible(false)
        .on_navigation(move |url| {
            let allowed = decisions::navigation_allowed(url, dev_url.as_ref());
            if !allowed {
                tracing::warn!(%url, "navigation away from the bundled UI refused");
            }
            allowed
        })
        .on_new_window(|url, _| {
            tracing::warn!(%url, "new window refused");
            NewWindowResponse::Deny
        })
        .build()
}

/// Show the window (building it when it is gone), with a request to bring up.
pub fn show<R: Runtime>(app: &AppHandle<R>, open: Option<Uuid>) {
    let window = match app.get_webview_window(MAIN) {
        Some(window) => {
            if let Some(request_id) = open {
                let _ = app.emit(events::OPEN_REQUEST, events::OpenRequest { request_id });
            }
            window
        }
        None => {
            // The new page asks for it when it starts (`open_request_take`).
            shell::shell(app).set_pending_open(open);
            match create(app) {
                Ok(window) => window,
                Err(e) => return tracing::error!(%e, "the window could not be built"),
            }
        }
    };
    let _ = window.unminimize();
    let _ = window.show();
    let _ = window.set_focus();
}

/// Destroy the window and its webview.
pub fn close<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN) {
        if let Err(e) = window.destroy() {
            tracing::warn!(%e, "the window could not be closed");
        }
    }
}

/// Ask for attention (X11: the urgency hint; Windows: the taskbar flashes; macOS: the dock
/// bounces) or stop asking.
pub fn attention<R: Runtime>(app: &AppHandle<R>, on: bool) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.request_user_attention(on.then_some(UserAttentionType::Critical));
    }
}
