//! The OpenAPI 3 document of every endpoint, generated from the handlers and wire types.
//! The WebSocket endpoints are listed with the message types they carry
//! (`ClientMessage` in, `ServerEvent` out).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{asker, counselor, statistics};
use pforte_wire as wire;

struct BearerTokens;

impl Modify for BearerTokens {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, description) in [
            (
                "session_token",
                "a counselor's session token from /api/auth/login",
            ),
            ("asker_token", "the asker's token from /api/waiting-room"),
        ] {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(description))
                        .build(),
                ),
            );
        }
    }
}

/// WebSocket of anonymous gate watchers: sends `ready`, then `gate_changed` events.
#[utoipa::path(get, path = "/api/gates/ws", tag = "websocket",
    responses((status = 101, description = "WebSocket; pushes `ServerEvent`s", body = wire::ServerEvent)))]
#[allow(dead_code)]
fn gates_ws() {}

/// WebSocket of an asker. Authenticate with an `Authorization: Bearer` header or a first
/// `ClientMessage::auth`. Pushes the asker's `ServerEvent`s.
#[utoipa::path(get, path = "/api/asker/ws", tag = "websocket", request_body = wire::ClientMessage,
    responses((status = 101, description = "WebSocket; pushes `ServerEvent`s", body = wire::ServerEvent)))]
#[allow(dead_code)]
fn asker_ws() {}

/// WebSocket of a counselor device. Authenticate with an `Authorization: Bearer` header or a
/// first `ClientMessage::auth`. A counselor counts as available only while one of these is
/// alive; the server pings every few seconds and drops a socket that stays silent. Mark the
/// first connection after the client started with `?fresh=true`: a start never restores an
/// availability that was waiting for a lost connection to come back.
#[utoipa::path(get, path = "/api/counselor/ws", tag = "websocket", request_body = wire::ClientMessage,
    params(("fresh" = Option<bool>, Query, description = "first connection after the client started")),
    responses((status = 101, description = "WebSocket; pushes `ServerEvent`s", body = wire::ServerEvent)))]
#[allow(dead_code)]
fn counselor_ws() {}

#[derive(OpenApi)]
#[openapi(
    info(title = "Pforte", description = "Access control for anonymous 1:1 live chat in online counselling."),
    paths(
        asker::health, asker::topics, asker::topic, asker::enter, asker::state, asker::leave,
        asker::messages, asker::send, asker::end,
        counselor::login, counselor::logout, counselor::get_me, counselor::switch_availability,
        counselor::go_offline, counselor::set_absence, counselor::coverage, counselor::requests,
        counselor::accept, counselor::conversations, counselor::conversation,
        counselor::messages, counselor::send, counselor::end,
        statistics::figures, statistics::workbook,
        gates_ws, asker_ws, counselor_ws,
    ),
    components(schemas(wire::ServerEvent, wire::ClientMessage, wire::ErrorCode)),
    modifiers(&BearerTokens),
    tags(
        (name = "public", description = "Anyone"),
        (name = "asker", description = "Anonymous askers, by their chat token"),
        (name = "counselor", description = "Logged-in counselors"),
        (name = "websocket", description = "Live events"),
    )
)]
struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
