//! Which websites may use Pforte from their own pages: the embedding of the chat button
//! (`embed.js`) and of the asker page.
//!
//! A browser names the page a request comes from in its `Origin` header. Pforte's own pages,
//! the desktop app (`PFORTE_ALLOWED_ORIGINS`) and the websites the operator allowed for the
//! topic concerned (`pforte-server topic embed-origins`, or `PFORTE_EMBED_ORIGINS` for every
//! topic) pass; any other page is refused with `origin_not_allowed`. Requests without an
//! `Origin` come from no web page (apps, scripts) and pass: the check keeps foreign websites
//! from putting the chat into their pages, it is not an authentication.
//!
//! - [`check`]: the refusal of the waiting-room entry and of the gate socket.
//! - [`cors`]: cross-origin reads: everything for the desktop app, a topic's public state
//!   (`GET /api/topics/{slug}`) for the websites that may embed that topic.
//! - [`framing_hosts`]: who may frame the asker page (its `frame-ancestors`).

use std::sync::Arc;
use std::time::Duration;

use axum::http::header::{AUTHORIZATION, CONTENT_DISPOSITION, CONTENT_TYPE, HOST, ORIGIN};
use axum::http::{HeaderMap, Method, StatusCode};
use pforte_domain::TopicId;
use pforte_wire::ErrorCode;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::{AppError, AppResult};
use crate::reception::{Directory, Reception};
use crate::store::TopicRecord;

/// Whose embedding a request is about.
#[derive(Clone, Copy, Debug)]
pub enum Topic<'a> {
    Id(TopicId),
    Slug(&'a str),
    /// The gates of every topic (a gate socket that names none).
    Any,
}

impl<'a> From<Option<&'a str>> for Topic<'a> {
    fn from(slug: Option<&'a str>) -> Self {
        slug.map_or(Topic::Any, Topic::Slug)
    }
}

fn find<'d>(directory: &'d Directory, topic: Topic<'_>) -> Vec<&'d TopicRecord> {
    match topic {
        Topic::Id(id) => directory.topics.get(&id).into_iter().collect(),
        Topic::Slug(slug) => directory
            .topics
            .values()
            .filter(|t| t.slug == slug)
            .collect(),
        Topic::Any => directory.topics.values().collect(),
    }
}

/// A request from one of Pforte's own pages: the browser says so (`Sec-Fetch-Site`, which no
/// page can set), or the origin's host and port are the ones the request was sent to.
fn from_own_page(origin: &str, headers: &HeaderMap) -> bool {
    if headers
        .get("sec-fetch-site")
        .is_some_and(|site| site == "same-origin")
    {
        return true;
    }
    let Some(host) = headers.get(HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    origin
        .split_once("://")
        .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host.trim()))
}

/// Whether a page of `origin` may embed what belongs to `topic`.
fn may_embed(reception: &Reception, origin: &str, topic: Topic<'_>) -> bool {
    let settings = &reception.settings;
    settings.embed_origins.iter().any(|o| o.matches(origin))
        || find(&reception.directory(), topic)
            .iter()
            .any(|t| t.embed_origins.iter().any(|o| o.matches(origin)))
}

fn is_desktop_app(reception: &Reception, origin: &str) -> bool {
    reception
        .settings
        .allowed_origins
        .iter()
        .any(|o| o.trim().eq_ignore_ascii_case(origin))
}

/// Refuse a browser request from a page that may not use `topic` (see the module).
pub fn check(reception: &Reception, headers: &HeaderMap, topic: Topic<'_>) -> AppResult<()> {
    let Some(origin) = headers.get(ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or_default().trim();
    if from_own_page(origin, headers)
        || is_desktop_app(reception, origin)
        || may_embed(reception, origin, topic)
    {
        return Ok(());
    }
    Err(AppError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::OriginNotAllowed,
        "pages of this website may not use this chat: its operator has not allowed the \
         website to embed it",
    ))
}

/// Cross-origin access (see the module). Browsers then let the page read the answer; the
/// `Vary: Origin` the layer adds keeps caches from mixing the answers up.
pub fn cors(reception: Arc<Reception>) -> CorsLayer {
    let allow = AllowOrigin::predicate(move |origin, request| {
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        if is_desktop_app(&reception, origin) {
            return true;
        }
        let reads = matches!(request.method, Method::GET | Method::HEAD | Method::OPTIONS);
        let slug = request
            .uri
            .path()
            .strip_prefix("/api/topics/")
            .filter(|slug| reads && !slug.contains('/'))
            .and_then(|slug| {
                percent_encoding::percent_decode_str(slug)
                    .decode_utf8()
                    .ok()
            });
        slug.is_some_and(|slug| may_embed(&reception, origin, Topic::Slug(&slug)))
    });
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST, Method::PUT])
        .allow_headers([AUTHORIZATION, CONTENT_TYPE])
        .expose_headers([CONTENT_DISPOSITION])
        .max_age(Duration::from_secs(3600))
}

/// The websites that may frame the asker page opened for the topic `slug` (its own and those
/// of every topic); none means Pforte's own pages only.
pub fn framing_hosts(reception: &Reception, slug: Option<&str>) -> Vec<String> {
    let mut hosts: Vec<String> = reception
        .settings
        .embed_origins
        .iter()
        .map(|o| o.as_str().to_owned())
        .collect();
    if let Some(slug) = slug {
        for topic in find(&reception.directory(), Topic::Slug(slug)) {
            hosts.extend(topic.embed_origins.iter().map(|o| o.as_str().to_owned()));
        }
    }
    hosts.sort();
    hosts.dedup();
    hosts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn a_page_of_the_same_host_and_port_is_pforte_s_own() {
        let sent = headers(&[("host", "chat.example.org")]);
        assert!(from_own_page("https://chat.example.org", &sent));
        assert!(!from_own_page("https://chat.example.org:8443", &sent));
        assert!(!from_own_page("https://www.example.org", &sent));
        assert!(!from_own_page("null", &sent));
        let local = headers(&[("host", "127.0.0.1:8080")]);
        assert!(from_own_page("http://127.0.0.1:8080", &local));
        assert!(
            !from_own_page("http://localhost:8080", &local),
            "another name is another origin"
        );
    }

    #[test]
    fn behind_a_proxy_that_renames_the_host_the_browser_s_word_counts() {
        let proxied = headers(&[
            ("host", "127.0.0.1:8080"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert!(from_own_page("https://chat.example.org", &proxied));
        let cross = headers(&[("host", "127.0.0.1:8080"), ("sec-fetch-site", "cross-site")]);
        assert!(!from_own_page("https://www.example.org", &cross));
    }
}
