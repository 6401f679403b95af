//! Native notifications that never block the app.
//!
//! Every notification is sent from a spawned task holding one of a few slots, and each call
//! is bounded in time: a missing or hung notification daemon costs a dropped notification
//! and a log line, never a frozen tray or window (D-Bus would otherwise wait 25 s).
//!
//! - **Linux** (and the BSDs): `org.freedesktop.Notifications.Notify` over the session bus
//!   with zbus, with a `default` action; the daemon's `ActionInvoked` signal for that
//!   notification id is the click, and brings the window up on the request. The action is
//!   heard on the same connection that sent the notification: daemons address it to the sender.
//!   The sound is asked for with the `sound-name` hint (the counselor's choice). A request's
//!   notification *stays* (hint `resident`, critical urgency, no expiry) and is withdrawn with
//!   `CloseNotification` as soon as the request no longer waits.
//! - **Windows and macOS**: the official notification plugin (toast / Notification Center),
//!   handed in by the Tauri app ([`Notifier::deliver_with`]). It reports no click on desktop,
//!   so a click only brings the app forward as the OS does; the request list in the dashboard
//!   shows what waits.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::Semaphore;
use uuid::Uuid;

use pforte_shell_core::decisions::Notice;

/// How many notifications may be on their way at once; more are dropped.
const SLOTS: usize = 4;
/// The longest a notification call may take.
const NOTIFY_TIMEOUT: Duration = Duration::from_secs(3);
/// How many clickable notifications are remembered.
const REMEMBERED: usize = 64;

type OnClick = Arc<dyn Fn(Uuid) + Send + Sync>;
type OnSwitchOn = Arc<dyn Fn() + Send + Sync>;
/// Shows a notice where there is no D-Bus notification service to talk to (Windows, macOS).
pub type Deliver = Arc<dyn Fn(Notice) -> Result<(), String> + Send + Sync>;

/// Sends notifications; cheap to clone.
#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

struct Inner {
    enabled: bool,
    slots: Arc<Semaphore>,
    on_click: OnceLock<OnClick>,
    on_switch_on: OnceLock<OnSwitchOn>,
    #[cfg_attr(all(unix, not(target_os = "macos")), allow(dead_code))]
    deliver: OnceLock<Deliver>,
    /// Notifications whose action switches on (a shift began).
    switching_on: Mutex<Vec<u32>>,
    /// Notification id → the request it opens.
    opens: Mutex<Vec<(u32, Uuid)>>,
    /// Requests that no longer wait, in case their notification is still on its way.
    withdrawn: Mutex<Vec<Uuid>>,
    #[cfg(all(unix, not(target_os = "macos")))]
    bus: tokio::sync::Mutex<Option<zbus::Connection>>,
}

impl Default for Notifier {
    fn default() -> Self {
        Self::new(true)
    }
}

impl Notifier {
    pub fn new(enabled: bool) -> Self {
        Self {
            inner: Arc::new(Inner {
                enabled,
                slots: Arc::new(Semaphore::new(SLOTS)),
                on_click: OnceLock::new(),
                on_switch_on: OnceLock::new(),
                deliver: OnceLock::new(),
                switching_on: Mutex::new(Vec::new()),
                opens: Mutex::new(Vec::new()),
                withdrawn: Mutex::new(Vec::new()),
                #[cfg(all(unix, not(target_os = "macos")))]
                bus: tokio::sync::Mutex::new(None),
            }),
        }
    }

    /// What a click on a request notification does.
    pub fn on_click(&self, action: impl Fn(Uuid) + Send + Sync + 'static) {
        let _ = self.inner.on_click.set(Arc::new(action));
    }

    /// What the action of a shift reminder ("Jetzt verfügbar schalten") does.
    pub fn on_switch_on(&self, action: impl Fn() + Send + Sync + 'static) {
        let _ = self.inner.on_switch_on.set(Arc::new(action));
    }

    /// How notices are shown where no D-Bus notification service is used (Windows, macOS).
    pub fn deliver_with(&self, deliver: Deliver) {
        let _ = self.inner.deliver.set(deliver);
    }

    /// Take every clickable notification of this process away — requests and shift reminders
    /// (the process hands over to another one, and their clicks would reach nobody).
    pub fn withdraw_all(&self) {
        let requests: Vec<Uuid> = self
            .inner
            .opens
            .lock()
            .map(|opens| opens.iter().map(|(_, r)| *r).collect())
            .unwrap_or_default();
        for request in requests {
            self.withdraw(request);
        }
        let reminders: Vec<u32> = self
            .inner
            .switching_on
            .lock()
            .map(|mut ids| std::mem::take(&mut *ids))
            .unwrap_or_default();
        self.close_later(reminders);
    }

    /// Show a notice. Returns at once; the notification is sent in the background (call it on
    /// a Tokio runtime).
    pub fn show(&self, notice: Notice) {
        if !self.inner.enabled {
            return;
        }
        if let (Some(request), Ok(mut withdrawn)) = (notice.opens, self.inner.withdrawn.lock()) {
            // Only a withdrawal from now on concerns this notification.
            withdrawn.retain(|r| *r != request);
        }
        let Ok(slot) = Arc::clone(&self.inner.slots).try_acquire_owned() else {
            tracing::warn!(title = %notice.title, "notifications are stuck; this one is dropped");
            return;
        };
        let inner = Arc::clone(&self.inner);
        tokio::spawn(async move {
            let _slot = slot;
            match tokio::time::timeout(NOTIFY_TIMEOUT, inner.deliver(&notice)).await {
                Ok(Ok(())) => tracing::info!(title = %notice.title, "notification shown"),
                Ok(Err(e)) => tracing::warn!(%e, "notification failed"),
                Err(_) => tracing::warn!("the notification daemon did not answer in time"),
            }
        });
    }
}

impl Notifier {
    /// Take the notifications of a request away (it was taken, withdrawn, or is no longer
    /// visible). Returns at once.
    pub fn withdraw(&self, request: Uuid) {
        if !self.inner.enabled {
            return;
        }
        let ids: Vec<u32> = {
            let Ok(mut opens) = self.inner.opens.lock() else {
                return;
            };
            let ids = opens
                .iter()
                .filter(|(_, r)| *r == request)
                .map(|(id, _)| *id)
                .collect();
            opens.retain(|(_, r)| *r != request);
            ids
        };
        if let Ok(mut withdrawn) = self.inner.withdrawn.lock() {
            withdrawn.push(request);
            let excess = withdrawn.len().saturating_sub(REMEMBERED);
            withdrawn.drain(..excess);
        }
        self.close_later(ids);
    }

    /// Take these notifications off the screen in the background, each call bounded.
    fn close_later(&self, ids: Vec<u32>) {
        #[cfg(all(unix, not(target_os = "macos")))]
        for id in ids {
            let inner = Arc::clone(&self.inner);
            tokio::spawn(async move {
                match tokio::time::timeout(NOTIFY_TIMEOUT, inner.close(id)).await {
                    Ok(Ok(())) => tracing::debug!(id, "notification withdrawn"),
                    Ok(Err(e)) => tracing::debug!(%e, "notification not withdrawn"),
                    Err(_) => tracing::debug!("the notification daemon did not answer in time"),
                }
            });
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        let _ = ids;
    }
}

impl Inner {
    fn remember(&self, id: u32, request: Uuid) {
        if let Ok(mut opens) = self.opens.lock() {
            opens.push((id, request));
            let excess = opens.len().saturating_sub(REMEMBERED);
            opens.drain(..excess);
        }
    }

    fn clicked(&self, id: u32) {
        let switches_on = self
            .switching_on
            .lock()
            .map(|ids| ids.contains(&id))
            .unwrap_or(false);
        if switches_on {
            if let Some(on_switch_on) = self.on_switch_on.get() {
                tracing::info!("shift reminder: switching on");
                on_switch_on();
            }
            return;
        }
        let request = self.opens.lock().ok().and_then(|opens| {
            opens
                .iter()
                .find(|(known, _)| *known == id)
                .map(|(_, r)| *r)
        });
        if let (Some(request), Some(on_click)) = (request, self.on_click.get()) {
            tracing::info!(%request, "request notification clicked");
            on_click(request);
        }
    }

    fn closed(&self, id: u32) {
        if let Ok(mut opens) = self.opens.lock() {
            opens.retain(|(known, _)| *known != id);
        }
        if let Ok(mut ids) = self.switching_on.lock() {
            ids.retain(|known| *known != id);
        }
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
mod linux {
    use std::collections::HashMap;
    use std::sync::Arc;

    use futures_util::StreamExt;
    use zbus::zvariant::Value;

    use super::{Inner, Notice};

    const NAME: &str = "org.freedesktop.Notifications";
    const PATH: &str = "/org/freedesktop/Notifications";

    impl Inner {
        async fn bus(self: &Arc<Self>) -> Result<zbus::Connection, String> {
            let mut bus = self.bus.lock().await;
            if let Some(connection) = bus.as_ref() {
                return Ok(connection.clone());
            }
            let connection = zbus::Connection::session()
                .await
                .map_err(|e| format!("no session bus: {e}"))?;
            let listener = Arc::clone(self);
            let listening = connection.clone();
            tokio::spawn(async move { listener.listen(listening).await });
            *bus = Some(connection.clone());
            Ok(connection)
        }

        /// Hear the daemon's answers on the connection that sent the notifications.
        async fn listen(self: Arc<Self>, connection: zbus::Connection) {
            let rule = match zbus::MatchRule::builder()
                .msg_type(zbus::message::Type::Signal)
                .interface(NAME)
                .map(|rule| rule.build())
            {
                Ok(rule) => rule,
                Err(e) => return tracing::warn!(%e, "bad match rule"),
            };
            let mut stream =
                match zbus::MessageStream::for_match_rule(rule, &connection, Some(64)).await {
                    Ok(stream) => stream,
                    Err(e) => return tracing::warn!(%e, "cannot hear notification clicks"),
                };
            while let Some(Ok(message)) = stream.next().await {
                let header = message.header();
                match header.member().map(|m| m.as_str()) {
                    Some("ActionInvoked") => {
                        if let Ok((id, _action)) = message.body().deserialize::<(u32, String)>() {
                            self.clicked(id);
                        }
                    }
                    Some("NotificationClosed") => {
                        if let Ok((id, _reason)) = message.body().deserialize::<(u32, u32)>() {
                            self.closed(id);
                        }
                    }
                    _ => {}
                }
            }
        }

        pub(super) async fn notify(self: &Arc<Self>, notice: &Notice) -> Result<(), String> {
            let bus = self.bus().await?;
            let mut hints: HashMap<&str, Value<'_>> = HashMap::new();
            // A waiting human: critical urgency (daemons keep it up) and resident (a click
            // does not remove it); it goes when the request no longer waits.
            hints.insert("urgency", Value::U8(if notice.stays { 2 } else { 1 }));
            hints.insert("resident", Value::Bool(notice.stays));
            hints.insert("category", Value::from("im.received"));
            hints.insert("desktop-entry", Value::from("Pforte"));
            match &notice.sound {
                Some(name) => {
                    hints.insert("sound-name", Value::from(name.as_str()));
                }
                None => {
                    hints.insert("suppress-sound", Value::Bool(true));
                }
            }
            let expire_timeout: i32 = if notice.stays { 0 } else { -1 };
            let actions: Vec<&str> = if notice.switches_on {
                vec!["default", "Jetzt verfügbar schalten"]
            } else if notice.opens.is_some() {
                vec!["default", "Öffnen"]
            } else {
                Vec::new()
            };
            let reply = bus
                .call_method(
                    Some(NAME),
                    PATH,
                    Some(NAME),
                    "Notify",
                    &(
                        "Pforte",
                        0u32,
                        "pforte-desktop",
                        notice.title.as_str(),
                        notice.body.as_str(),
                        actions,
                        hints,
                        expire_timeout,
                    ),
                )
                .await
                .map_err(|e| e.to_string())?;
            let id: u32 = reply.body().deserialize().map_err(|e| e.to_string())?;
            if notice.switches_on {
                if let Ok(mut ids) = self.switching_on.lock() {
                    ids.push(id);
                    let excess = ids.len().saturating_sub(super::REMEMBERED);
                    ids.drain(..excess);
                }
            }
            if let Some(request) = notice.opens {
                let gone = self
                    .withdrawn
                    .lock()
                    .map(|w| w.contains(&request))
                    .unwrap_or(false);
                if gone {
                    // The request ended while the notification was on its way.
                    self.close(id).await?;
                } else {
                    self.remember(id, request);
                }
            }
            Ok(())
        }

        pub(super) async fn close(self: &Arc<Self>, id: u32) -> Result<(), String> {
            let bus = self.bus().await?;
            bus.call_method(Some(NAME), PATH, Some(NAME), "CloseNotification", &(id,))
                .await
                .map_err(|e| e.to_string())?;
            Ok(())
        }
    }
}

impl Inner {
    #[cfg(all(unix, not(target_os = "macos")))]
    async fn deliver(self: &Arc<Self>, notice: &Notice) -> Result<(), String> {
        self.notify(notice).await
    }

    #[cfg(not(all(unix, not(target_os = "macos"))))]
    async fn deliver(self: &Arc<Self>, notice: &Notice) -> Result<(), String> {
        let Some(deliver) = self.deliver.get().cloned() else {
            return Err("no way to show notifications".to_owned());
        };
        let notice = notice.clone();
        tokio::task::spawn_blocking(move || deliver(notice))
            .await
            .map_err(|e| e.to_string())?
    }
}
