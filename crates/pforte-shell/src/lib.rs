//! The desktop shell without WebKit or GTK. Both processes of Pforte's desktop app use it:
//!
//! - the **window process** (`pforte-desktop`, Tauri): the dashboard in a webview, while its
//!   window is open;
//! - the **light tray** (`pforte-tray`, Linux): while the window is closed, the tray icon with
//!   the availability switch, the server connection and the notifications, in a few MiB
//!   instead of a browser engine's hundred (see [`handover`] for how the two take turns).
//!
//! The shell's state and decisions live in `pforte-shell-core`; [`shell`] is the one task that
//! owns that state, and the other modules are its adapters.

pub mod lock;
pub mod notifications;
pub mod server;
pub mod session;
pub mod shell;

#[cfg(all(unix, not(target_os = "macos")))]
pub mod handover;
#[cfg(all(unix, not(target_os = "macos")))]
pub mod light;

use pforte_shell_core::decisions;

/// Test and automation hook: start with this session (server address and token) instead
/// of the stored one. Kept in memory only. Both variables must be set; the server address
/// alone only fills in the login form (command `server_hint`, used by `scripts/demo`).
pub const ENV_SERVER: &str = "PFORTE_DESKTOP_SERVER";
pub const ENV_TOKEN: &str = "PFORTE_DESKTOP_TOKEN";
/// Log filter (`info` unless set), e.g. `debug` or `pforte_desktop=debug`.
pub const ENV_LOG: &str = "PFORTE_DESKTOP_LOG";
/// The app's identifier (`tauri.conf.json`): its config folder and D-Bus names derive from it.
pub const IDENTIFIER: &str = "org.pforte.desktop";

/// The session given by the automation hook, if both variables are set.
pub fn injected_session() -> Option<Result<session::Session, String>> {
    let server = std::env::var(ENV_SERVER).ok()?;
    let token = std::env::var(ENV_TOKEN).ok()?;
    Some(decisions::server_address(&server).map(|server| session::Session { server, token }))
}

/// Log to stderr, filtered by [`ENV_LOG`].
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env(ENV_LOG)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
