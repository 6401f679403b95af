//! Identifiers. Topics and counselors are numbered by storage; requests carry a random UUID
//! chosen by the caller (the domain has no randomness of its own); connections are numbered
//! by the server that holds them.

use std::fmt;
use uuid::Uuid;

macro_rules! numeric_id {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// One live connection (WebSocket) of a counselor; a counselor may hold several.
    ConnectionId(u64)
);

/// A live-chat request; once accepted, the conversation keeps the same id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub Uuid);

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
