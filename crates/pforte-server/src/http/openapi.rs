//! The OpenAPI 3 document of every endpoint, generated from the handlers and wire types.
//! The WebSocket endpoints are listed with the message types they carry
//! (`ClientMessage` in, `ServerEvent` out).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{admin, asker, counselor, hours, keys, statistics};
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

/// The error answers every operation can give, added to each so that the document lists
/// every status the server really sends: 500 everywhere; 401 where a token is needed; 400,
/// 413, 415 and 422 where a body is read; 400 where path or query parameters are parsed;
/// 429 on the rate-limited entries.
struct ErrorResponses;

fn error_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ApiError")))
                .build(),
        )
        .build()
        .into()
}

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let websocket = path.ends_with("/ws");
            for operation in [
                item.get.as_mut(),
                item.put.as_mut(),
                item.post.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ]
            .into_iter()
            .flatten()
            {
                let mut add = |status: &str, description: &str| {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error_response(description));
                };
                add(
                    "500",
                    "`internal`: the server failed; nothing of the request was stored",
                );
                if websocket {
                    add(
                        "426",
                        "`websocket_required`: called without a WebSocket handshake",
                    );
                    add(
                        "503",
                        "`unavailable`: the server holds as many live connections as it can",
                    );
                    continue;
                }
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                if secured {
                    add("401", "`unauthorized`: missing, unknown or expired token");
                }
                if secured && !path.starts_with("/api/asker") {
                    add(
                        "403",
                        "`password_change_required`: the account holds a one-time password; set a new one first",
                    );
                }
                if operation.request_body.is_some() {
                    add("400", "`invalid_body`: not JSON");
                    add("413", "`payload_too_large`");
                    add("415", "`unsupported_media_type`: not `application/json`");
                    add("422", "`invalid_body`: JSON of the wrong shape");
                }
                if operation.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
                    add(
                        "400",
                        "`invalid_parameter`: a malformed path segment or query parameter",
                    );
                }
            }
        }
    }
}

/// WebSocket of anonymous gate watchers: sends `ready`, then `gate_changed` events. A page of
/// another website (`Origin`) is refused unless it may embed the topic named by `topic` (an
/// embedded chat button), or any topic when none is named.
#[utoipa::path(get, path = "/api/gates/ws", tag = "websocket",
    params(("topic" = Option<String>, Query, description = "slug of the topic an embedded button shows")),
    responses(
        (status = 101, description = "WebSocket; pushes `ServerEvent`s", body = wire::ServerEvent),
        (status = 403, description = "`origin_not_allowed`", body = wire::ApiError),
    ))]
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
        counselor::messages, counselor::send, counselor::end, counselor::change_password,
        admin::topics, admin::create_topic, admin::change_topic, admin::delete_topic,
        admin::counselors, admin::create_counselor, admin::change_counselor, admin::deactivate,
        admin::reset_password, admin::reactivate, admin::switch_off, admin::audit, admin::overview,
        statistics::figures, statistics::workbook,
        hours::get_shifts, hours::set_shifts, hours::plan,
        keys::devices, keys::add_device, keys::remove_device, keys::conversation_keys,
        keys::asker_keys, keys::new_key, keys::give_key,
        gates_ws, asker_ws, counselor_ws,
    ),
    components(schemas(wire::ServerEvent, wire::ClientMessage, wire::ErrorCode)),
    modifiers(&BearerTokens, &ErrorResponses),
    tags(
        (name = "public", description = "Anyone"),
        (name = "asker", description = "Anonymous askers, by their chat token"),
        (name = "counselor", description = "Logged-in counselors"),
        (name = "operator", description = "Operators (Administrator_innen): the console \"Verwaltung\"; everyone else gets 403 `operator_only`"),
        (name = "websocket", description = "Live events"),
    )
)]
struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
