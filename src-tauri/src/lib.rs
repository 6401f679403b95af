//! Pforte's desktop app for counselors: a Tauri 2 shell around the dashboard with the
//! availability toggle in the tray, native notifications for new live-chat requests, and
//! "going offline" when the window closes, the app quits, the screen locks or the machine
//! sleeps.
//!
//! The shell's state and decisions live in the crate `pforte-shell-core` (no Tauri); one task
//! owns that state (`pforte_shell::shell`, shared with the light tray `pforte-tray`) and the
//! modules here are the window process's adapters. App setup is generic over the Tauri
//! [`Runtime`], so `tauri::test::mock_builder()` drives the same commands in tests.

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
pub mod shell;
pub mod tray;
pub mod window;

pub use pforte_shell::{lock, notifications, server, session};
pub use pforte_shell::{ENV_LOG, ENV_SERVER, ENV_TOKEN};

use notifications::Notifier;
use session::{Keyring, Vault};
use shell::Shell;

/// Argument given by the autostart entry: start hidden in the tray.
pub const HIDDEN_ARG: &str = "--hidden";
/// WebKit's accelerated compositing: `on`, `off`, or `auto` (default: off where no GPU render
/// node exists, i.e. software GL). `WEBKIT_DISABLE_COMPOSITING_MODE`, if set, wins.
pub const ENV_COMPOSITING: &str = "PFORTE_DESKTOP_COMPOSITING";
/// JavaScriptCore's JIT in the dashboard's web process: `on`, or `off`/`auto` (default: off).
/// `JSC_useJIT`, if set, wins.
pub const ENV_JIT: &str = "PFORTE_DESKTOP_JIT";

/// The real app.
pub fn run() {
    pforte_shell::init_logging();
    #[cfg(all(unix, not(target_os = "macos")))]
    if let Some(json) = question_arg() {
        // The light tray's question: a dialog alone, no app around it.
        std::process::exit(if dialog::ask_alone(&json) { 0 } else { 1 });
    }
    choose_compositing();
    choose_jit();
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
        // Nor the DMA-BUF renderer, which hands GPU buffers from the web process to the
        // window: without a GPU there is nothing to hand, and it costs the window an EGL setup.
        if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
            std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
        }
    }
}

/// Decide JavaScriptCore's JIT before the web process starts (it inherits the variable).
fn choose_jit() {
    const JSC: &str = "JSC_useJIT";
    if std::env::var_os(JSC).is_some() {
        return;
    }
    let setting = std::env::var(ENV_JIT).ok();
    let off = decisions::jit_off(setting.as_deref());
    tracing::info!(jit = !off, "JavaScriptCore");
    if off {
        // Before any thread of the app exists, as above.
        std::env::set_var(JSC, "false");
    }
}

/// `--question <json>`: the light tray asks.
#[cfg(all(unix, not(target_os = "macos")))]
fn question_arg() -> Option<String> {
    let mut args = std::env::args().skip(1);
    (args.next()? == pforte_shell::light::QUESTION_ARG).then(|| args.next())?
}

/// State, commands and the plugins they use.
fn base<R: Runtime>(builder: Builder<R>, shell: Arc<Shell>) -> Builder<R> {
    builder
        .plugin(tauri_plugin_autostart::init(
            MacosLauncher::LaunchAgent,
            Some(vec![HIDDEN_ARG]),
        ))
        .manage(shell)
        .manage(Arc::<live::Sockets>::default())
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
        .plugin(tauri_plugin_single_instance::init(|app, args, _cwd| {
            shell::shell(app).send(match open_request(&args) {
                Some(request) => Input::NotificationClicked(request),
                None => Input::OpenWindow,
            });
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
                    shell::live(window.app_handle()).close_all();
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

/// `--open-request <id>`: start on that request (the light tray's notification was clicked).
fn open_request(args: &[String]) -> Option<uuid::Uuid> {
    #[cfg(all(unix, not(target_os = "macos")))]
    return pforte_shell::handover::open_request(args);
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    {
        let _ = args;
        None
    }
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
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    {
        use tauri_plugin_notification::NotificationExt;
        let handle = app.clone();
        shell.notifier.deliver_with(Arc::new(move |notice| {
            let mut builder = handle
                .notification()
                .builder()
                .title(&notice.title)
                .body(&notice.body);
            if notice.sound.is_some() {
                builder = builder.sound("default");
            }
            builder.show().map_err(|e| e.to_string())
        }));
    }
    shell::start(app);
    tray::create(app)?;
    let args: Vec<String> = std::env::args().collect();
    let open = open_request(&args);
    let hidden = args.iter().any(|arg| arg == HIDDEN_ARG) || open.is_some();
    shell.send(Input::Started { hidden });
    if let Some(request) = open {
        shell.send(Input::NotificationClicked(request));
    } else if hidden {
        shell::hand_over_while_hidden(app);
    }

    tauri::async_runtime::spawn(Arc::clone(&shell).listen());
    tauri::async_runtime::spawn(shell.start_session());
    Ok(())
}
