//! The desktop shell's brain, without Tauri, WebKitGTK, tokio or any I/O: the desktop app
//! (`src-tauri/`, crate `pforte-desktop`) keeps only adapters around it.
//!
//! # Layout
//!
//! - [`decisions`]: pure functions — what the tray shows, the words and manner of
//!   notifications, what each way of leaving (window close, quit, logout, lock, sleep,
//!   expiry) leads to, reconnect delays and close codes, which addresses the shell and its
//!   webview may reach, download file names.
//! - [`machine`]: the shell's state ([`machine::Machine`]) and its one way of changing:
//!   [`machine::Machine::step`] takes an [`machine::Input`] (server events, answers to the
//!   calls it asked for, tray clicks, leaving signals, timers) and returns the
//!   [`machine::Effect`]s to carry out. One task in the app owns it.

pub mod decisions;
pub mod machine;
