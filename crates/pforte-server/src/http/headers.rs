//! Security headers on every answer: the pages may run only their own scripts and talk only
//! to this server, nobody may frame the dashboard, the asker page only where it is allowed to
//! be embedded (Pforte itself, and the websites the operator allowed for its topic), and
//! nothing is sniffed, cached or leaks a referrer.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::reception::Reception;

/// What the pages need and nothing more: their own scripts and styles (no inline code), data
/// URLs for images, connections to this origin (REST and WebSocket), no plugins, no forms to
/// elsewhere, no `<base>` games.
const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; font-src 'self'; connect-src 'self'; media-src 'self' data:; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-src 'none'";

/// Which page an answer is: the asker page may be framed where the operator allows it.
enum Page {
    Dashboard,
    Asker,
    Other,
}

fn page_of(path: &str) -> Page {
    match path {
        "/" | "/index.html" => Page::Dashboard,
        "/asker.html" => Page::Asker,
        _ => Page::Other,
    }
}

/// The topic an asker page is opened for (`asker.html?topic=<slug>`).
fn topic_of(request: &Request) -> Option<String> {
    let query = request.uri().query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "topic")
        .map(|(_, slug)| slug.into_owned())
}

pub async fn security_headers(
    State(reception): State<Arc<Reception>>,
    request: Request,
    next: Next,
) -> Response {
    let page = page_of(request.uri().path());
    let api = request.uri().path().starts_with("/api/");
    // The websites the operator allowed to embed this topic (see `origins`).
    let hosts = match page {
        Page::Asker => super::origins::framing_hosts(&reception, topic_of(&request).as_deref()),
        _ => Vec::new(),
    };
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    );
    if api {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let frame_ancestors = match page {
        Page::Dashboard => {
            headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            "'none'".to_owned()
        }
        // X-Frame-Options cannot name other websites: where some may frame the page, the
        // CSP alone says who (browsers without `frame-ancestors` then allow any).
        Page::Asker if hosts.is_empty() => {
            headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
            "'self'".to_owned()
        }
        Page::Asker => format!("'self' {}", hosts.join(" ")),
        Page::Other => return response,
    };
    if let Ok(policy) =
        HeaderValue::from_str(&format!("{PAGE_POLICY}; frame-ancestors {frame_ancestors}"))
    {
        headers.insert(CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    response
}
