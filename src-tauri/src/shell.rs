//! The window process's side of the shell: its [`Surface`] (Tauri's tray, the window, the
//! dialogs, the events for the dashboard) around the owner of `pforte_shell::shell`.
//!
//! Closing the window hands over to the light tray where the desktop allows it
//! (`pforte_shell::handover`): this process then exits.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use pforte_shell_core::decisions::TrayView;
use pforte_shell_core::machine::{Emission, Question};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use uuid::Uuid;

pub use pforte_shell::shell::{now_ms, Shell, Surface, LOGIN_HANDLE_PREFIX};

use crate::{dialog, events, live, tray, window};

pub fn shell<R: Runtime>(app: &AppHandle<R>) -> Arc<Shell> {
    Arc::clone(&app.state::<Arc<Shell>>())
}

/// The dashboard's own sockets (managed beside the shell).
pub fn live<R: Runtime>(app: &AppHandle<R>) -> Arc<live::Sockets> {
    Arc::clone(&app.state::<Arc<live::Sockets>>())
}

/// Start the owner (once) with this app's surface.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let surface = Arc::new(WindowSurface {
        app: app.clone(),
        retired: AtomicBool::new(false),
    });
    let later = Arc::clone(&surface);
    tauri::async_runtime::spawn(async move {
        // Not connected by then (no server): the window is up all the same, the tray goes.
        tokio::time::sleep(RETIRE_TRAY_AFTER).await;
        later.retire_tray();
    });
    tauri::async_runtime::spawn(shell(app).own(surface));
}

/// The longest a light tray that started this process keeps running beside it.
const RETIRE_TRAY_AFTER: std::time::Duration = std::time::Duration::from_secs(10);

struct WindowSurface<R: Runtime> {
    app: AppHandle<R>,
    /// A light tray that may still run was told that this process has taken over.
    retired: AtomicBool,
}

impl<R: Runtime> WindowSurface<R> {
    /// Once: tell the light tray (if one started this process) that we are here.
    fn retire_tray(&self) {
        if self.retired.swap(true, Ordering::SeqCst) {
            return;
        }
        #[cfg(all(unix, not(target_os = "macos")))]
        tauri::async_runtime::spawn(pforte_shell::handover::retire_tray());
    }
}

impl<R: Runtime> Surface for WindowSurface<R> {
    fn tray(&self, view: TrayView) {
        tray::show_later(&self.app, view);
    }

    fn emit(&self, emission: Emission) {
        if matches!(emission, Emission::Connection(true)) {
            // Connected: the counselor's availability no longer hangs on the tray's socket.
            self.retire_tray();
        }
        emit(&self.app, emission);
    }

    fn show_window(&self, open: Option<Uuid>) {
        window::show(&self.app, open);
    }

    fn close_window(&self) {
        live(&self.app).close_all();
        window::close(&self.app);
        #[cfg(all(unix, not(target_os = "macos")))]
        tauri::async_runtime::spawn(hand_over_to_the_light_tray(self.app.clone()));
    }

    fn attention(&self, on: bool) {
        window::attention(&self.app, on);
    }

    fn confirm(&self, dialog: u64, question: Question) {
        dialog::confirm(&self.app, dialog, question);
    }

    fn disconnected(&self) {
        live(&self.app).close_all();
    }

    fn exit(&self) {
        self.app.exit(0);
    }
}

/// Started hidden (the autostart entry): straight to the light tray where there can be one.
pub fn hand_over_while_hidden<R: Runtime>(app: &AppHandle<R>) {
    #[cfg(all(unix, not(target_os = "macos")))]
    tauri::async_runtime::spawn(hand_over_to_the_light_tray(app.clone()));
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    let _ = app;
}

/// No window (closed, or never opened): where a light tray can take over, start it and go.
/// If the window was opened meanwhile, this process stays and the new tray goes again.
#[cfg(all(unix, not(target_os = "macos")))]
async fn hand_over_to_the_light_tray<R: Runtime>(app: AppHandle<R>) {
    use pforte_shell::handover;
    let Some(tray) = handover::light_tray_possible().await else {
        tracing::info!("no light tray here: the app stays in the tray itself");
        return;
    };
    if let Err(e) = handover::start_tray(tray).await {
        return tracing::warn!(%e, "the light tray did not start: the app stays in the tray itself");
    }
    let shell = shell(&app);
    if shell.status().window_open || shell.quitting() {
        tracing::info!("the window is back: the light tray goes again");
        handover::retire_tray().await;
        return;
    }
    tracing::info!("handed over to the light tray");
    shell.set_quitting();
    app.exit(0);
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
