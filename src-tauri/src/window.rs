//! The one window: the dashboard, loaded from the bundled UI only.

use tauri::webview::NewWindowResponse;
use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

use crate::decisions;

pub const MAIN: &str = "main";

/// Create the main window (hidden; `show_main` shows it once its saved place is restored).
pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
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
        .build()?;
    Ok(())
}

pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

pub fn hide_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.hide();
    }
}
