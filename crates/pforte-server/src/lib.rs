//! The Pforte server: the authority over gates, waiting rooms and live chats.
//!
//! # Layout
//!
//! - [`config`]: settings from flags and `PFORTE_*` variables.
//! - [`app`]: [`app::Application`] binds, restores, serves and shuts down; background duties.
//! - [`reception`]: the one place where the domain's [`pforte_domain::Desk`] decides; effects
//!   are stored before they count, then announced to the sockets concerned.
//! - [`hub`]: the live WebSocket connections and event delivery.
//! - [`serve`]: the HTTP server loop (header deadline, connections per peer, surviving a
//!   full descriptor table).
//! - [`ws`]: the WebSocket endpoints.
//! - [`writer`]: group commit of chat messages.
//! - [`http`]: REST routes (asker, counselor, statistics), extractors, OpenAPI.
//! - [`error`]: the API error type with stable codes.
//! - [`store`]: the storage boundary ([`store::Store`]) and its SQLite implementation.
//! - [`telemetry`]: the log, which never carries content, secrets or addresses.
//! - [`secrets`]: tokens, password hashing, pseudonyms.
//! - [`operator`]: the operator's commands (topics, counselors, demo data, embed snippet).
//! - [`origin`]: a website origin allowed to embed Pforte, parsed ([`origin::EmbedOrigin`]).

pub mod app;
pub mod config;
pub mod convert;
pub mod error;
pub mod grant;
pub mod http;
pub mod hub;
pub mod operator;
pub mod origin;
pub mod reception;
pub mod secrets;
pub mod serve;
pub mod store;
pub mod telemetry;
pub mod writer;
pub mod ws;

pub use app::Application;
pub use config::{ServeSettings, StorageSettings};
