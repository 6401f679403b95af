//! Identifiers. Topics and counselors are numbered by storage; requests carry a random UUID
//! chosen by the caller (the domain has no randomness of its own); connections are numbered
//! by the server instance that holds them.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! numeric_id {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

numeric_id!(
    /// A topic (Fachbereich), e.g. Suchtberatung.
    TopicId(i64)
);
numeric_id!(
    /// A registered counselor (Berater_in).
    CounselorId(i64)
);
numeric_id!(
    /// A server process holding live connections. Several instances form one service; each
    /// gets its own id when it starts.
    InstanceId(u32)
);

/// One live connection (WebSocket) of a counselor or an asker, numbered by the instance that
/// holds it, so ids never clash across instances and an instance's loss names its connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ConnectionId {
    pub instance: InstanceId,
    pub number: u64,
}

impl ConnectionId {
    pub const fn new(instance: InstanceId, number: u64) -> Self {
        Self { instance, number }
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.instance, self.number)
    }
}

/// A live-chat request; once accepted, the conversation keeps the same id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub Uuid);

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
