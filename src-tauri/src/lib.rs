//! Pforte's desktop app for counselors: a Tauri 2 shell around the dashboard with the
//! availability toggle in the tray, native notifications for new live-chat requests, and
//! "going offline" when the window closes, the app quits, the screen locks or the machine
//! sleeps.
//!
//! The shell's state and decisions live in the crate `pforte-shell-core` (no Tauri); one task
//! owns that state ([`shell`]) and the modules here are its adapters. App setup is generic
//! over the Tauri [`Runtime`], so `tauri::test::mock_builder()` drives the same commands in
//! tests.

use std::sync::Arc;

use pforte_shell_core::decisions::{self, Leaving};
use pforte_shell_core::machine::Input;
use tauri::{AppHandle, Builder, Manager, RunEvent, Runtime, WindowEvent};
use tauri_plugin_autostart::MacosLauncher;
use tauri_plugin_window_state::StateFlags;

pub mod commands;
pub mod dialog;
pub mod events;
pub mod live;
pub mod lock;
pub mod notifications;
pub mod server;
pub mod session;
pub mod shell;
pub mod tray;
pub mod window;

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
/// WebKit's accelerated compositing: `on`, `off`, or `auto` (default: off where no GPU render
/// node exists, i.e. software GL). `WEBKIT_DISABLE_COMPOSITING_MODE`, if set, wins.
pub const ENV_COMPOSITING: &str = "PFORTE_DESKTOP_COMPOSITING";

/// The real app.
pub fn run() {
    init_logging();
    choose_compositing();
    let shell = Arc::new(Shell::new(
        Vault::new(Arc::new(Keyring::session())),
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

/// Decide WebKit's compositing before WebKit starts (it reads the variable once).
fn choose_compositing() {
    const WEBKIT: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    if std::env::var_os(WEBKIT).is_some() {
        return;
    }
    let gpu = std::fs::read_dir("/dev/dri")
        .map(|nodes| {
            nodes
                .flatten()
                .any(|n| n.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false);
    let setting = std::env::var(ENV_COMPOSITING).ok();
    let off = decisions::compositing_off(setting.as_deref(), gpu);
    tracing::info!(gpu, compositing = !off, "WebKit compositing");
    if off {
        // Before any thread of the app exists: nothing reads the environment concurrently.
        std::env::set_var(WEBKIT, "1");
        // Without compositing nothing in the app draws with GL: GTK need not load Mesa (and
        // with it libLLVM, 19 MiB PSS on software GL) to pick GL visuals at start.
        if std::env::var_os("GDK_GL").is_none() {
            std::env::set_var("GDK_GL", "disable");
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env(ENV_LOG)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// State, commands and the plugins they use.
fn base<R: Runtime>(builder: Builder<R>, shell: Arc<Shell>) -> Builder<R> {
    builder
        .plugin(tauri_plugin_autostart::init(
            MacosLauncher::LaunchAgent,
            Some(vec![HIDDEN_ARG]),
        ))
        .manage(shell)
        .invoke_handler(commands::handler())
}

/// State and commands: what the mock-runtime tests exercise (they start the shell's owner
/// with [`shell::start`] themselves: a mock app is never run, so `setup` never runs).
pub fn with_commands<R: Runtime>(builder: Builder<R>, shell: Arc<Shell>) -> Builder<R> {
    base(builder, shell)
}

/// The whole app: plugins, state, commands, tray, window, listeners.
pub fn builder<R: Runtime>(builder: Builder<R>, shell: Arc<Shell>) -> Builder<R> {
    let builder = builder
        // First, so a second start hands over before anything else happens.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            shell::shell(app).send(Input::OpenWindow);
        }))
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(StateFlags::all() - StateFlags::VISIBLE)
                .build(),
        )
        .plugin(tauri_plugin_notification::init());
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    let builder = builder.plugin(tauri_plugin_dialog::init());
    base(builder, shell)
        .setup(|app| {
            setup(app.handle())?;
            Ok(())
        })
        .on_window_event(|window, event| {
            if window.label() != window::MAIN {
                return;
            }
            let shell = shell::shell(window.app_handle());
            match event {
                WindowEvent::CloseRequested { api, .. } if !shell.quitting() => {
                    // The window goes only after the server heard "going offline" (≤ 2 s).
                    tracing::debug!("close requested");
                    api.prevent_close();
                    shell.send(Input::Leave {
                        leaving: Leaving::WindowClose,
                        ticket: None,
                    });
                }
                WindowEvent::Focused(focused) => shell.send(Input::WindowFocused(*focused)),
                WindowEvent::Destroyed => {
                    // The page's sockets would outlive it.
                    shell.live.close_all();
                    shell.send(Input::WindowGone);
                }
                _ => {}
            }
        })
}

/// Exit requested: by the last window going (ours, closed to the tray: stay), or by the OS
/// (quit as the tray's "Beenden" does).
pub fn on_run_event<R: Runtime>(app: &AppHandle<R>, event: RunEvent) {
    if let RunEvent::ExitRequested { code, api, .. } = event {
        let shell = shell::shell(app);
        if shell.quitting() {
            return;
        }
        api.prevent_exit();
        if code.is_some() {
            shell.send(Input::Leave {
                leaving: Leaving::Quit,
                ticket: None,
            });
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
    let clicked = Arc::clone(&shell);
    shell
        .notifier
        .on_click(move |request| clicked.send(Input::NotificationClicked(request)));
    let switch_on = Arc::clone(&shell);
    shell
        .notifier
        .on_switch_on(move || switch_on.send(Input::NotificationSwitchOn));
    shell::start(app);
    tray::create(app)?;
    let hidden = std::env::args().any(|arg| arg == HIDDEN_ARG);
    shell.send(Input::Started { hidden });

    let on_desk = Arc::clone(&shell);
    lock::watch(Arc::new(move |signal| {
        let shell = Arc::clone(&on_desk);
        Box::pin(async move {
            let leaving = match signal {
                lock::DeskSignal::ScreenLocked => Leaving::ScreenLocked,
                lock::DeskSignal::SystemSleep => Leaving::SystemSleep,
            };
            // Returns once the server heard it (or the bound passed): sleep may go on then.
            shell
                .send_and_wait(|ticket| Input::Leave {
                    leaving,
                    ticket: Some(ticket),
                })
                .await;
        })
    }));
    #[cfg(unix)]
    quit_on_terminate(app);

    // A stored session connects, but never switches availability on.
    match injected_session() {
        Some(Ok(session)) => {
            tracing::info!(server = %session.server, "session from {ENV_SERVER}/{ENV_TOKEN}");
            shell.vault.inject(session);
            shell.send(Input::SessionStarted);
        }
        Some(Err(e)) => tracing::error!(%e, "{ENV_SERVER} is not a usable server address"),
        None => {
            tauri::async_runtime::spawn(async move {
                if let Some(session) = shell.vault.restore().await {
                    tracing::info!(server = %session.server, "stored session restored");
                    shell.send(Input::SessionStarted);
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
    let shell = shell::shell(app);
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
        shell.send(Input::Leave {
            leaving: Leaving::Quit,
            ticket: None,
        });
    });
}
