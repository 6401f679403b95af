use pforte_wire::ErrorCode;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn malformed_json_gets_a_400_with_a_code() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(app.url("/api/waiting-room"))
        .header("content-type", "application/json")
        .body("{\"topic_id\": 1, \"consent\": tru")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(response, StatusCode::BAD_REQUEST).await,
        ErrorCode::InvalidBody
    );
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_or_with_unknown_fields_gets_a_422_with_a_code() {
    let app = spawn_app().await;
    for body in [
        json!({"topic_id": "eins", "consent": true}),
        json!({"consent": true}),
        json!({"topic_id": 1, "consent": true, "email": "a@b.c"}),
        json!([1, 2, 3]),
    ] {
        let response = app
            .http
            .post(app.url("/api/waiting-room"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_of(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            ErrorCode::InvalidBody,
            "{body}"
        );
    }
}

#[tokio::test]
async fn an_oversized_body_gets_a_413_with_a_code() {
    let app = spawn_app().await;
    let bernd = app.login("bernd").await;
    let huge = json!({"text": "x".repeat(200_000)});
    let response = app
        .post(
            "/api/conversations/00000000-0000-4000-8000-000000000000/messages",
            &bernd.token,
            huge,
        )
        .await;
    assert_eq!(
        error_of(response, StatusCode::PAYLOAD_TOO_LARGE).await,
        ErrorCode::PayloadTooLarge
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_gets_a_415_with_a_code() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(app.url("/api/waiting-room"))
        .body("topic_id=1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await,
        ErrorCode::UnsupportedMediaType
    );
}

#[tokio::test]
async fn unknown_endpoints_bad_ids_and_wrong_methods_get_json_errors() {
    let app = spawn_app().await;
    let bernd = app.login("bernd").await;
    let response = app.get("/api/does-not-exist", &bernd.token).await;
    assert_eq!(
        error_of(response, StatusCode::NOT_FOUND).await,
        ErrorCode::NotFound
    );
    let response = app.get("/api/conversations/not-a-uuid", &bernd.token).await;
    assert_eq!(
        error_of(response, StatusCode::BAD_REQUEST).await,
        ErrorCode::InvalidParameter
    );
    let response = app
        .http
        .delete(app.url("/api/topics"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(response, StatusCode::METHOD_NOT_ALLOWED).await,
        ErrorCode::MethodNotAllowed
    );
    let response = app
        .get("/api/me/statistics?from=gestern&to=heute", &bernd.token)
        .await;
    assert_eq!(
        error_of(response, StatusCode::BAD_REQUEST).await,
        ErrorCode::InvalidParameter
    );
    let response = app
        .get(
            "/api/me/statistics?from=2026-11-30&to=2026-11-01",
            &bernd.token,
        )
        .await;
    assert_eq!(
        error_of(response, StatusCode::BAD_REQUEST).await,
        ErrorCode::InvalidParameter
    );
    let response = app.get("/api/me/statistics", &bernd.token).await;
    assert_eq!(
        error_of(response, StatusCode::BAD_REQUEST).await,
        ErrorCode::InvalidParameter
    );
}

#[tokio::test]
async fn an_absence_message_that_is_too_long_is_refused() {
    let app = spawn_app().await;
    let bernd = app.login("bernd").await;
    let response = app
        .put(
            "/api/me/absence",
            &bernd.token,
            json!({"absent": true, "message": "x".repeat(501)}),
        )
        .await;
    assert_eq!(
        error_of(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        ErrorCode::InvalidField
    );
}

#[tokio::test]
async fn entering_too_often_from_one_address_is_rate_limited() {
    let app = spawn_app_with(|s| s.enter_per_minute = 3).await;
    let (_bernd, _events) = app.available("bernd").await;
    for _ in 0..3 {
        assert_eq!(app.try_enter(SUCHT).await.status(), StatusCode::CREATED);
    }
    let response = app.try_enter(SUCHT).await;
    assert_eq!(
        error_of(response, StatusCode::TOO_MANY_REQUESTS).await,
        ErrorCode::RateLimited
    );
}

#[tokio::test]
async fn health_answers_and_the_openapi_document_lists_every_endpoint() {
    let app = spawn_app().await;
    let health: Value = app
        .http
        .get(app.url("/api/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");

    let doc: Value = app
        .http
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/health",
        "/api/topics",
        "/api/topics/{slug}",
        "/api/waiting-room",
        "/api/asker",
        "/api/asker/leave",
        "/api/asker/messages",
        "/api/asker/end",
        "/api/auth/login",
        "/api/auth/logout",
        "/api/me",
        "/api/me/availability",
        "/api/me/offline",
        "/api/me/absence",
        "/api/me/coverage",
        "/api/me/statistics",
        "/api/me/statistics.xlsx",
        "/api/requests",
        "/api/requests/{id}/accept",
        "/api/conversations",
        "/api/conversations/{id}",
        "/api/conversations/{id}/messages",
        "/api/conversations/{id}/end",
        "/api/gates/ws",
        "/api/asker/ws",
        "/api/counselor/ws",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} is missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["ServerEvent"].is_object());
}

#[tokio::test]
async fn only_the_desktop_apps_origin_may_call_the_api_from_another_origin() {
    let app = spawn_app().await;
    for (origin, allowed) in [("tauri://localhost", true), ("https://evil.example", false)] {
        let response = app
            .http
            .request(reqwest::Method::OPTIONS, app.url("/api/me"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
            .await
            .unwrap();
        let granted = response
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(granted.as_deref() == Some(origin), allowed, "{origin}");
    }
}

#[tokio::test]
async fn a_websocket_route_called_without_a_handshake_answers_426_with_a_code() {
    let app = spawn_app().await;
    for path in ["/api/gates/ws", "/api/asker/ws", "/api/counselor/ws"] {
        let response = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(
            error_of(response, StatusCode::UPGRADE_REQUIRED).await,
            ErrorCode::WebsocketRequired,
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_socket_message_over_the_limit_is_answered_with_close_code_1009() {
    use futures_util::SinkExt;
    let app = spawn_app().await;
    let mut watcher = app.watch_gates().await;
    watcher
        .socket
        .send(tokio_tungstenite::tungstenite::Message::Text(
            "x".repeat(20_000).into(),
        ))
        .await
        .unwrap();
    assert_eq!(watcher.closed_with().await, Some(1009));
}

#[tokio::test]
async fn the_openapi_document_lists_the_statistics_period_as_query_parameters_and_every_error_answer(
) {
    let app = spawn_app().await;
    let document: Value = app
        .http
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for parameter in document["paths"]["/api/me/statistics"]["get"]["parameters"]
        .as_array()
        .unwrap()
    {
        assert_eq!(parameter["in"], "query", "{parameter}");
    }
    let send = &document["paths"]["/api/asker/messages"]["post"]["responses"];
    for status in [
        "200", "201", "400", "401", "409", "413", "415", "422", "500",
    ] {
        assert!(
            send.get(status).is_some(),
            "POST /api/asker/messages documents {status}"
        );
    }
    let gates = &document["paths"]["/api/gates/ws"]["get"]["responses"];
    assert!(gates.get("426").is_some());
}

#[tokio::test]
async fn the_pages_forbid_framing_foreign_code_and_sniffing_and_the_api_is_never_cached() {
    let ui = tempfile::tempdir().unwrap();
    for page in ["index.html", "asker.html"] {
        std::fs::write(ui.path().join(page), "<!doctype html><title>Pforte</title>").unwrap();
    }
    let ui_dir = ui.path().to_owned();
    let app = spawn_app_with(move |s| s.ui_dir = ui_dir).await;
    let header = |response: &reqwest::Response, name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    for (path, ancestors) in [
        ("/", "frame-ancestors 'none'"),
        ("/index.html", "frame-ancestors 'none'"),
        ("/asker.html", "frame-ancestors 'self'"),
    ] {
        let page = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        let policy = header(&page, "content-security-policy");
        for part in [
            "default-src 'self'",
            "script-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            ancestors,
        ] {
            assert!(policy.contains(part), "{path}: {part} in {policy}");
        }
        assert!(!policy.contains("unsafe-inline"), "{path}: {policy}");
        assert_eq!(header(&page, "x-content-type-options"), "nosniff");
        assert_eq!(header(&page, "referrer-policy"), "no-referrer");
    }
    let api = app.http.get(app.url("/api/topics")).send().await.unwrap();
    assert_eq!(header(&api, "cache-control"), "no-store");
    assert_eq!(header(&api, "x-content-type-options"), "nosniff");
}
