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
//!   types: within their limits and never empty in disguise (only invisible characters);
//!   the operator's inputs too ([`text::Slug`], [`text::Name`], [`text::Login`],
//!   [`text::Password`], [`text::OperatorReason`]), refused with an [`text::InputError`] whose
//!   code the CLI, the REST handlers and the console share.
//! - [`schedule`]: chat hours of a topic as a [`Schedule`]: weekly slots (a slot may cross
//!   midnight), dated exceptions (closed all day, closed for a time range, extra hours) and a
//!   note, in the organisation's time zone (default Europe/Berlin, from the IANA database
//!   bundled into the binary). Built from a draft, the CLI text syntax or storage JSON, and
//!   refused with a [`ScheduleError`] (stable codes) when slots overlap, are empty or inverted,
//!   the zone is unknown or a newly set exception is past. Queries at a passed-in time: the
//!   current slot, the next opening, and the asker page's sentence ("Der Chat ist wieder
//!   geöffnet: heute 14:00–16:00 Uhr"). Local times skipped or repeated by daylight saving
//!   follow one documented rule ([`schedule::OrgZone::instant`]). Hours never open a gate.
//! - [`shifts`]: covered shifts. A counselor's [`shifts::CoveredSlots`] of a topic; at a
//!   passed-in time, [`shifts::due`] decides between the last run and now what is due, each
//!   boundary exactly once however often it runs: a reminder when a covered shift begins and
//!   they are not available, and at its end a reminder to switch off or an automatic
//!   switch-off (reason `shift_ended`). [`shifts::week_plan`] lists a topic's week with who
//!   covers which occurrence and the gaps nobody covers.
//! - [`estimate`]: the waiting-time estimate, a pure function from the topic's recent accepts,
//!   the free seats and the asker's position to a range in whole minutes ("etwa 5–10
//!   Minuten"), or nothing while the data is too thin to be honest.
//! - [`sealed`]: end-to-end encrypted content as the server sees it: the shapes of sealed
//!   messages (padding buckets), public keys and wrapped content keys, checked, never read.
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
pub mod estimate;
pub mod ids;
pub mod schedule;
pub mod sealed;
pub mod shifts;
pub mod text;
pub mod time;

pub use desk::{
    Command, Desk, DeskConfig, DeskError, EndReason, Event, OpenConversation, Party, SeatsOf,
    ShiftNotice, SwitchReason, WaitingRequest,
};
pub use ids::{ConnectionId, CounselorId, InstanceId, RequestId, TopicId};
pub use schedule::{Schedule, ScheduleDraft, ScheduleError};
pub use time::Timestamp;
