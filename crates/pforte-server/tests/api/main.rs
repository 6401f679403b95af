//! Integration tests: the real server, real HTTP, real WebSockets. One test binary.

mod database;
mod helpers;
#[path = "../common/sealed.rs"]
pub mod sealed;

mod authorization;
mod console;
mod conversations;
mod embed;
mod errors;
mod gate;
mod hours;
mod keys;
mod limits;
mod requests;
mod sessions;
mod statistics;
mod waiting_room;
