//! The log. Whatever filter an operator sets (`PFORTE_LOG`), it never carries what must not
//! be logged: message and absence texts, tokens, passwords, client addresses, query strings.
//!
//! Two rules make that hold. Pforte's own code never passes secrets or content to a logging
//! call (requests are logged by their route template, not their URI). And the libraries that
//! would — the HTTP server (it logs every client's address when it accepts), the WebSocket
//! library (frames, with their text), the HTTP tracing layer (URIs with query strings) — are
//! capped at `warn`, which is a second filter the operator's filter cannot loosen.

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::FilterExt;
use tracing_subscriber::filter::{EnvFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// The crates whose log calls are ours, and safe at every level.
const OWN: [&str; 3] = ["pforte_server", "pforte_domain", "pforte_wire"];

/// The filter the operator cannot loosen: our own crates at any level, everything else at
/// `warn` at most.
pub fn safety_filter() -> Targets {
    OWN.iter().fold(
        Targets::new().with_default(LevelFilter::WARN),
        |targets, own| targets.with_target(*own, LevelFilter::TRACE),
    )
}

/// Install the log: the operator's filter (`PFORTE_LOG`, default `info`) within the safety
/// filter, as text on standard output.
pub fn init() {
    let operator = EnvFilter::try_from_env("PFORTE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    // One filter that needs both (two stacked per-layer filters lost events at `info`).
    let filter = safety_filter().and(operator);
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_filter(filter);
    tracing_subscriber::registry().with(layer).init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn libraries_that_log_frames_addresses_or_uris_are_capped_at_warn() {
        let filter = safety_filter();
        for target in [
            "tungstenite::protocol",
            "hyper::proto::h1",
            "axum::serve",
            "tower_http::trace::on_request",
            "sqlx::query",
        ] {
            for level in [Level::TRACE, Level::DEBUG, Level::INFO] {
                assert!(!filter.would_enable(target, &level), "{target} at {level}");
            }
            assert!(filter.would_enable(target, &Level::WARN), "{target}");
        }
        assert!(filter.would_enable("pforte_server::ws", &Level::TRACE));
    }
}
