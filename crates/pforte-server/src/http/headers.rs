//! Security headers on every answer: the pages may run only their own scripts and talk only
//! to this server, nobody may frame the dashboard, the asker page only where it is allowed to
//! be embedded, and nothing is sniffed, cached or leaks a referrer.

use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

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

pub async fn security_headers(request: Request, next: Next) -> Response {
    let page = page_of(request.uri().path());
    let api = request.uri().path().starts_with("/api/");
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
            "'none'"
        }
        Page::Asker => {
            headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
            "'self'"
        }
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
