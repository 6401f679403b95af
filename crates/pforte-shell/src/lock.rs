//! Screen lock and system sleep switch availability off.
//!
//! - **Linux**: logind's `org.freedesktop.login1.Manager.PrepareForSleep(true)` and the
//!   session's `org.freedesktop.login1.Session.Lock` on the system bus; the screensaver's
//!   `ActiveChanged(true)` (`org.freedesktop.ScreenSaver`, `org.gnome.ScreenSaver`,
//!   `org.mate.ScreenSaver`, `org.cinnamon.ScreenSaver`, …) on the session bus. Before sleep
//!   the shell holds a logind "delay" inhibitor, so the offline call goes out before the
//!   machine sleeps (logind waits up to `InhibitDelayMaxSec`, 5 s by default). The buses come
//!   from `DBUS_SYSTEM_BUS_ADDRESS` / `DBUS_SESSION_BUS_ADDRESS`, so tests point them at
//!   private buses.
//! - **Windows** (not built here): `WM_POWERBROADCAST`/`PBT_APMSUSPEND` for sleep and
//!   `WTSRegisterSessionNotification` → `WM_WTSSESSION_CHANGE`/`WTS_SESSION_LOCK` for the lock.
//! - **macOS** (not built here): `NSWorkspaceWillSleepNotification` and the distributed
//!   notification `com.apple.screenIsLocked`.
//!
//! On those two the shell does not listen yet; the server's heartbeat still switches a
//! sleeping machine off within seconds of its network going away.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// What the desktop told us.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeskSignal {
    ScreenLocked,
    SystemSleep,
}

pub type Handler =
    Arc<dyn Fn(DeskSignal) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// Listen (Linux; elsewhere this returns at once); a missing bus is logged and ignored.
/// Spawn it on the app's runtime.
pub async fn watch(handler: Handler) {
    #[cfg(all(unix, not(target_os = "macos")))]
    linux::watch(handler).await;
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    let _ = handler;
}

#[cfg(all(unix, not(target_os = "macos")))]
mod linux {
    use std::time::Duration;

    use futures_util::StreamExt;
    use zbus::zvariant::OwnedFd;
    use zbus::{Connection, MatchRule, MessageStream};

    use super::{DeskSignal, Handler};

    const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
    const SCREENSAVERS: &[&str] = &[
        "org.freedesktop.ScreenSaver",
        "org.gnome.ScreenSaver",
        "org.mate.ScreenSaver",
        "org.cinnamon.ScreenSaver",
        "org.xfce.ScreenSaver",
        "org.kde.screensaver",
    ];

    pub async fn watch(handler: Handler) {
        let on_system = handler.clone();
        let system = async move {
            if let Err(e) = system_bus(on_system).await {
                tracing::info!(%e, "not watching logind (sleep, session lock)");
            }
        };
        let session = async move {
            if let Err(e) = session_bus(handler).await {
                tracing::info!(%e, "not watching the screensaver");
            }
        };
        tokio::join!(system, session);
    }

    async fn connect(system: bool) -> zbus::Result<Connection> {
        let connecting = async {
            if system {
                Connection::system().await
            } else {
                Connection::session().await
            }
        };
        tokio::time::timeout(CONNECT_TIMEOUT, connecting)
            .await
            .map_err(|_| zbus::Error::Failure("bus connection timed out".into()))?
    }

    /// Ask logind to delay sleep until we have signalled offline.
    async fn inhibit(bus: &Connection) -> Option<OwnedFd> {
        let reply = bus
            .call_method(
                Some("org.freedesktop.login1"),
                "/org/freedesktop/login1",
                Some("org.freedesktop.login1.Manager"),
                "Inhibit",
                &(
                    "sleep",
                    "Pforte",
                    "Live-Chat-Verfügbarkeit vor dem Ruhezustand ausschalten",
                    "delay",
                ),
            )
            .await;
        match reply {
            Ok(reply) => reply.body().deserialize::<OwnedFd>().ok(),
            Err(e) => {
                tracing::debug!(%e, "no sleep inhibitor (no logind on this bus)");
                None
            }
        }
    }

    async fn system_bus(handler: Handler) -> zbus::Result<()> {
        let bus = connect(true).await?;
        let sleep = MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .interface("org.freedesktop.login1.Manager")?
            .member("PrepareForSleep")?
            .build();
        let lock = MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .interface("org.freedesktop.login1.Session")?
            .member("Lock")?
            .build();
        let sleeps = MessageStream::for_match_rule(sleep, &bus, Some(16)).await?;
        let locks = MessageStream::for_match_rule(lock, &bus, Some(16)).await?;
        let mut inhibitor = inhibit(&bus).await;
        tracing::info!(inhibitor = inhibitor.is_some(), "watching logind");
        let mut both = futures_util::stream::select(sleeps, locks);
        while let Some(Ok(message)) = both.next().await {
            let header = message.header();
            match header.member().map(|m| m.as_str()) {
                Some("PrepareForSleep") => match message.body().deserialize::<bool>() {
                    Ok(true) => {
                        tracing::info!("system is going to sleep");
                        handler(DeskSignal::SystemSleep).await;
                        // Let the machine sleep now.
                        inhibitor = None;
                    }
                    Ok(false) => {
                        // Awake again: availability stays off until switched on deliberately.
                        if inhibitor.is_none() {
                            inhibitor = inhibit(&bus).await;
                        }
                    }
                    Err(_) => {}
                },
                Some("Lock") => {
                    tracing::info!("logind locked the session");
                    handler(DeskSignal::ScreenLocked).await;
                }
                _ => {}
            }
        }
        drop(inhibitor);
        Ok(())
    }

    async fn session_bus(handler: Handler) -> zbus::Result<()> {
        let bus = connect(false).await?;
        let rule = MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .member("ActiveChanged")?
            .build();
        let mut changes = MessageStream::for_match_rule(rule, &bus, Some(16)).await?;
        tracing::info!("watching the screensaver");
        while let Some(Ok(message)) = changes.next().await {
            let header = message.header();
            let from_screensaver = header
                .interface()
                .is_some_and(|i| SCREENSAVERS.contains(&i.as_str()));
            if from_screensaver && message.body().deserialize::<bool>().unwrap_or(false) {
                tracing::info!("screen locked");
                handler(DeskSignal::ScreenLocked).await;
            }
        }
        Ok(())
    }
}
