//! Leaving the desk: window close, quit, logout, screen lock, system sleep, session expiry.
//! Each tells the server first — bounded by [`decisions::OFFLINE_TIMEOUT`] — and only then
//! does what it does (hide, exit, show the login).

use std::sync::atomic::Ordering;

use pforte_wire::SessionEndReason;
use tauri::{AppHandle, Emitter, Runtime};

use crate::decisions::{self, Leaving, Plan, Then, OFFLINE_TIMEOUT};
use crate::events;
use crate::shell::{self, shell};
use crate::window;

/// Decide what leaving means now and carry it out.
pub async fn leave<R: Runtime>(app: &AppHandle<R>, leaving: Leaving) {
    let plan = decisions::plan(&shell(app).known(), leaving);
    let ended = match leaving {
        Leaving::Logout => Some(SessionEndReason::LoggedOut),
        Leaving::SessionExpired => Some(SessionEndReason::Expired),
        _ => None,
    };
    carry_out(app, plan, ended).await;
}

pub async fn carry_out<R: Runtime>(
    app: &AppHandle<R>,
    plan: Plan,
    ended: Option<SessionEndReason>,
) {
    let shell = shell(app);
    let api = shell.api();
    if let (Some(reason), Some(api)) = (plan.offline, api.as_ref()) {
        let answer =
            tokio::time::timeout(OFFLINE_TIMEOUT, api.offline(reason, OFFLINE_TIMEOUT)).await;
        let delivered = match answer {
            Ok(Ok(availability)) => {
                shell.known().set_availability(availability);
                true
            }
            Ok(Err(e)) => {
                tracing::warn!(%e, ?reason, "the server did not take the offline signal");
                false
            }
            Err(_) => {
                tracing::warn!(?reason, "no answer to the offline signal within the bound");
                false
            }
        };
        tracing::info!(?reason, delivered, "offline signalled");
        let _ = app.emit(
            events::AVAILABILITY_SIGNAL,
            events::AvailabilitySignal { reason, delivered },
        );
        shell::emit_availability(app);
        shell::refresh(app);
    }
    if let (true, Some(api)) = (plan.logout, api.as_ref()) {
        if let Err(e) = api.logout(OFFLINE_TIMEOUT).await {
            tracing::warn!(%e, "logout not acknowledged");
        }
    }
    if let Some(alert) = &plan.tell {
        shell::notify(app, alert);
    }
    match plan.then {
        Then::HideWindow => window::hide_main(app),
        Then::Exit => {
            shell.quitting.store(true, Ordering::SeqCst);
            app.exit(0);
        }
        Then::ShowLogin => {
            if shell::end_session(app).await {
                let reason = ended.unwrap_or(SessionEndReason::LoggedOut);
                let _ = app.emit(events::SESSION_ENDED, events::SessionEnded { reason });
                window::show_main(app);
            }
        }
        Then::Stay => {}
    }
}
