//! The events the shell emits to the webview (listen with `@tauri-apps/api/event`).
//! Documented in `src-tauri/README.md`.

use pforte_wire::{OfflineReason, SessionEndReason};
use serde::Serialize;
use uuid::Uuid;

/// A request notification was clicked: show that request. Payload [`OpenRequest`].
pub const OPEN_REQUEST: &str = "open-request";
/// The shell told the server "going offline" (window closed, quit, lock, sleep). Payload
/// [`AvailabilitySignal`].
pub const AVAILABILITY_SIGNAL: &str = "availability-signal";
/// The counselor's availability as the shell knows it now. Payload: the wire `Availability`.
pub const AVAILABILITY_CHANGED: &str = "availability-changed";
/// The session ended (logout from the tray, expiry): show the login. Payload [`SessionEnded`].
pub const SESSION_ENDED: &str = "session-ended";
/// The shell's own connection to the server came or went. Payload [`Connection`].
pub const CONNECTION_CHANGED: &str = "connection-changed";
/// Every event of the shell's counselor socket, as the wire `ServerEvent`.
pub const SERVER_EVENT: &str = "server-event";

#[derive(Clone, Debug, Serialize)]
pub struct OpenRequest {
    pub request_id: Uuid,
}

#[derive(Clone, Debug, Serialize)]
pub struct AvailabilitySignal {
    pub reason: OfflineReason,
    /// The server acknowledged it within the bound.
    pub delivered: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct SessionEnded {
    pub reason: SessionEndReason,
}

#[derive(Clone, Debug, Serialize)]
pub struct Connection {
    pub connected: bool,
}
