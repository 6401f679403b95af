//! The rules of Pforte as plain Rust: no I/O, no clock, no async.
//!
//! # Layout
//!
//! - [`time`]: [`Timestamp`], milliseconds since the Unix epoch. Time is always passed in.
//! - [`ids`]: identifiers of topics, counselors, requests (a request becomes the conversation
//!   of the same id when accepted) and live connections.
//! - [`desk`]: the [`Desk`], the state machine behind the reception desk. It knows which
//!   counselor is switched on, absent and connected, derives who is *available*, which gates
//!   are open, who waits in which waiting room and which conversations run. Every change goes
//!   through [`Desk::apply`], which either refuses a [`Command`] with a [`DeskError`] and
//!   changes nothing, or changes the state and returns the [`Event`]s that happened, as facts
//!   in the past tense. The server persists and routes those events; it never decides itself.
//! - [`text`]: texts people write ([`text::MessageText`], [`text::AbsenceText`]) as parsed
//!   types: within their limits and never empty in disguise (only invisible characters).
//!
//! The rules (PRODUCT.md) this crate enforces:
//! 1. the gate of a topic is open iff a counselor of the topic is available;
//! 2. available = switched on, not absent, at least one live connection;
//! 3. availability goes off on every way of leaving, and nothing switches it on but the toggle;
//! 4. a request to enter a closed gate is refused before anything exists; only available
//!    counselors of the topic list or accept its requests;
//! 5. when a gate closes on waiting askers they are told and kept for a grace period;
//! 6. accepting is atomic: one request, one counselor;
//! 7. a running conversation is not touched by availability.

pub mod desk;
pub mod ids;
pub mod text;
pub mod time;

pub use desk::{
    Command, Desk, DeskConfig, DeskError, EndReason, Event, OpenConversation, Party, SwitchReason,
    WaitingRequest,
};
pub use ids::{ConnectionId, CounselorId, RequestId, TopicId};
pub use time::Timestamp;
