//! Pforte's desktop app for counselors: a Tauri 2 shell around the dashboard with the
//! availability toggle in the tray, native notifications for new live-chat requests, and
//! "going offline" when the window closes, the app quits, the screen locks or the machine
//! sleeps. The decisions are pure functions in [`decisions`]; the rest carries them out.
//!
//! App setup is generic over the Tauri [`Runtime`], so `tauri::test::mock_builder()` drives the
//! same commands in tests.

use std::sync::Arc;

use tauri::{AppHandle, Builder, Manager, RunEvent, Runtime, WindowEvent};
use tauri_plugin_autostart::MacosLauncher;
use tauri_plugin_window_state::StateFlags;

pub mod commands;
pub mod decisions;
pub mod events;
pub mod lock;
pub mod notifications;
pub mod offline;
pub mod server;
pub mod session;
pub mod shell;
pub mod tray;
pub mod window;

use decisions::Leaving;
use notifications::Notifier;
use session::{Keyring, Session, Vault};
use shell::Shell;

/// Test and automation hook: start with this session (server address and token) instead
/// of the stored one. Kept in memory only. Both variables must be set; the server address
/// alone only fills in the login form (command `server_hint`, used by `scripts/demo`).
pub const ENV_SERVER: &str = "PFORTE_DESKTOP_SERVER";
pub const ENV_TOKEN: &str = "PFORTE_DESKTOP_TOKEN";
/// Log filter (`info` unless set), e.g. `debug` or `pforte_desktop=debug`.
pub const ENV_LOG: &str = "PFORTE_DESKTOP_LOG";
/// Argument given by the autostart entry: start hidden in the tray.
pub const HIDDEN_ARG: &str = "--hidden";

/// The real app.
pub fn run() {
    init_logging();
    let shell = Arc::new(Shell::new(
        Vault::new(Arc::new(Keyring)),
        Notifier::default(),
    ));
    let app = builder(tauri::Builder::default(), shell)
        .build(context())
        .unwrap_or_else(|e| {
            tracing::error!(%e, "Pforte could not start");
            std::process::exit(1)
        });
    app.run(on_run_event);
}

/// The app's configuration and bundled UI (from `tauri.conf.json`).
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env(ENV_LOG)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// State and commands (and the autostart plugin the commands use): what the mock-runtime
/// tests exercise.
pub fn with_commands<R: Runtime>(builder: Builder<R>, shell: Arc<Shell>) -> Builder<R> {
    builder
        .plugin(tauri_plugin_autostart::init(
            MacosLauncher::LaunchAgent,
            Some(vec![HIDDEN_ARG]),
        ))
        .manage(shell)
        .invoke_handler(commands::handler())
}

/// The whole app: plugins, state, commands, tray, window, listeners.
pub fn builder<R: Runtime>(builder: Builder<R>, shell: Arc<Shell>) -> Builder<R> {
    let builder = builder
        // First, so a second start hands over before anything else happens.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            window::show_main(app);
        }))
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(StateFlags::all() - StateFlags::VISIBLE)
                .build(),
        )
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_websocket::init());
    with_commands(builder, shell)
        .setup(|app| {
            setup(app.handle())?;
            Ok(())
        })
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                let app = window.app_handle();
                if window.label() == window::MAIN && !shell::quitting(app) {
                    // The window goes only after the server heard "going offline" (≤ 2 s).
                    api.prevent_close();
                    let app = app.clone();
                    tauri::async_runtime::spawn(async move {
                        offline::leave(&app, Leaving::WindowClose).await;
                    });
                }
            }
        })
}

/// Exit requested by the OS or the last window: quit as the tray's "Beenden" does.
pub fn on_run_event<R: Runtime>(app: &AppHandle<R>, event: RunEvent) {
    if let RunEvent::ExitRequested { api, .. } = event {
        if !shell::quitting(app) {
            api.prevent_exit();
            let app = app.clone();
            tauri::async_runtime::spawn(async move { offline::leave(&app, Leaving::Quit).await });
        }
    }
}

/// The session given by the automation hook, if both variables are set.
fn injected_session() -> Option<Result<Session, String>> {
    let server = std::env::var(ENV_SERVER).ok()?;
    let token = std::env::var(ENV_TOKEN).ok()?;
    Some(decisions::server_address(&server).map(|server| Session { server, token }))
}

fn setup<R: Runtime>(app: &AppHandle<R>) -> Result<(), Box<dyn std::error::Error>> {
    let shell = shell::shell(app);
    if let Ok(dir) = app.path().app_config_dir() {
        shell.load_settings(dir.join("settings.json"));
    }
    {
        let app = app.clone();
        shell
            .notifier
            .on_click(move |request| shell::open_request(&app, request));
    }
    tray::create(app)?;
    window::create(app)?;
    if !std::env::args().any(|arg| arg == HIDDEN_ARG) {
        window::show_main(app);
    }

    let on_desk = app.clone();
    lock::watch(Arc::new(move |signal| {
        let app = on_desk.clone();
        Box::pin(async move {
            let leaving = match signal {
                lock::DeskSignal::ScreenLocked => Leaving::ScreenLocked,
                lock::DeskSignal::SystemSleep => Leaving::SystemSleep,
            };
            offline::leave(&app, leaving).await;
        })
    }));
    shell::spawn_reminders(app);
    #[cfg(unix)]
    quit_on_terminate(app);

    // A stored session connects, but never switches availability on.
    match injected_session() {
        Some(Ok(session)) => {
            tracing::info!(server = %session.server, "session from {ENV_SERVER}/{ENV_TOKEN}");
            shell.vault.inject(session.clone());
            shell::start_session(app, session);
        }
        Some(Err(e)) => tracing::error!(%e, "{ENV_SERVER} is not a usable server address"),
        None => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let shell = shell::shell(&app);
                if let Some(session) = shell.vault.restore().await {
                    tracing::info!(server = %session.server, "stored session restored");
                    shell::start_session(&app, session);
                }
            });
        }
    }
    Ok(())
}

/// SIGTERM (system shutdown, session logout) and SIGINT quit like "Beenden".
#[cfg(unix)]
fn quit_on_terminate<R: Runtime>(app: &AppHandle<R>) {
    use tokio::signal::unix::{signal, SignalKind};
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
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
        offline::leave(&app, Leaving::Quit).await;
    });
}
