//! The chat on an organisation's own website: who may embed it (per topic, or for every
//! topic), and that pages of any other website are refused with a code.

use pforte_server::store::sql::SqlStore;
use pforte_server::store::{Actor, Store};
use pforte_server::{operator, ServeSettings};
use pforte_wire::{ApiError, ErrorCode, ServerEvent};
use reqwest::StatusCode;
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::*;

/// The Suchtberatung's own website; it may embed Suchtberatung only.
const SUCHT_SITE: &str = "https://www.sucht-hilfe.example";
/// A website that may embed Schwangerschaftsberatung only.
const SCHWANGER_SITE: &str = "https://schwanger.example";
/// A website nobody allowed.
const FOREIGN: &str = "https://evil.example";
/// The desktop app's bundled dashboard (a default of `PFORTE_ALLOWED_ORIGINS`).
const DESKTOP: &str = "tauri://localhost";

async fn embedded_app(adjust: impl FnOnce(&mut ServeSettings)) -> TestApp {
    spawn_app_embedded_by(
        &[
            ("suchtberatung", SUCHT_SITE),
            ("schwangerschaftsberatung", SCHWANGER_SITE),
        ],
        adjust,
    )
    .await
}

impl TestApp {
    async fn enter_from(&self, origin: &str, topic: i64) -> reqwest::Response {
        self.http
            .post(self.url("/api/waiting-room"))
            .header("origin", origin)
            .json(&sealed::entry(topic))
            .send()
            .await
            .unwrap()
    }

    /// Open the gate socket as a page of `origin` does: the socket, or the refusal's status
    /// and body.
    async fn gate_socket_from(
        &self,
        origin: &str,
        query: &str,
    ) -> Result<Events, (StatusCode, Option<ApiError>)> {
        let mut request = format!("{}/api/gates/ws{query}", self.ws_base)
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
        match tokio_tungstenite::connect_async(request).await {
            Ok((socket, _)) => {
                let mut events = Events { socket };
                events
                    .expect("ready", |e| matches!(e, ServerEvent::Ready))
                    .await;
                Ok(events)
            }
            Err(tungstenite::Error::Http(response)) => {
                let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
                let body = response
                    .body()
                    .as_ref()
                    .and_then(|b| serde_json::from_slice(b).ok());
                Err((status, body))
            }
            Err(other) => panic!("the handshake failed otherwise: {other}"),
        }
    }
}

#[tokio::test]
async fn a_page_of_a_website_that_may_not_embed_the_topic_cannot_enter_its_waiting_room() {
    let app = embedded_app(|_| {}).await;
    let (_bernd, _events) = app.available("bernd").await;
    let (_clara, _clara_events) = app.available("clara").await;

    for (origin, topic) in [
        (FOREIGN, SUCHT),
        (SCHWANGER_SITE, SUCHT),
        (SUCHT_SITE, SCHWANGER),
        ("null", SUCHT),
        // The same host over plain http is another origin.
        ("http://www.sucht-hilfe.example", SUCHT),
    ] {
        let code = error_of(app.enter_from(origin, topic).await, StatusCode::FORBIDDEN).await;
        assert_eq!(
            code,
            ErrorCode::OriginNotAllowed,
            "{origin} → topic {topic}"
        );
    }
    assert_eq!(app.count_rows("chats").await, 0, "nothing was created");
}

#[tokio::test]
async fn the_topic_s_websites_pforte_s_own_pages_the_desktop_app_and_clients_without_origin_may_enter(
) {
    let app = embedded_app(|_| {}).await;
    let (_bernd, _events) = app.available("bernd").await;
    let (_clara, _clara_events) = app.available("clara").await;

    for (origin, topic) in [
        (SUCHT_SITE, SUCHT),
        (SCHWANGER_SITE, SCHWANGER),
        (app.base.as_str(), SUCHT),
        (DESKTOP, SUCHT),
    ] {
        let response = app.enter_from(origin, topic).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{origin}");
    }
    assert_eq!(app.try_enter(SUCHT).await.status(), StatusCode::CREATED);
    assert_eq!(app.count_rows("chats").await, 5);
}

#[tokio::test]
async fn a_website_allowed_for_every_topic_may_embed_each_of_them() {
    let everywhere = "https://dioezese.example";
    let app = embedded_app(move |s| {
        s.embed_origins = vec![everywhere.parse().unwrap()];
    })
    .await;
    let (_anna, _events) = app.available("anna").await;

    for topic in [SUCHT, SCHWANGER] {
        let response = app.enter_from(everywhere, topic).await;
        assert_eq!(response.status(), StatusCode::CREATED, "topic {topic}");
    }
    assert!(app
        .gate_socket_from(everywhere, "?topic=schwangerschaftsberatung")
        .await
        .is_ok());
}

#[tokio::test]
async fn the_gate_socket_refuses_pages_of_other_websites_with_a_json_403_before_the_upgrade() {
    let app = embedded_app(|_| {}).await;

    for (origin, query) in [
        (FOREIGN, "?topic=suchtberatung"),
        (FOREIGN, ""),
        (SCHWANGER_SITE, "?topic=suchtberatung"),
        (SUCHT_SITE, "?topic=no-such-topic"),
    ] {
        let Err((status, body)) = app.gate_socket_from(origin, query).await else {
            panic!("{origin}{query}: the socket was opened");
        };
        assert_eq!(status, StatusCode::FORBIDDEN, "{origin}{query}");
        let body = body.expect("the refusal is the API's JSON error");
        assert_eq!(body.code, ErrorCode::OriginNotAllowed);
        assert!(!body.message.is_empty());
    }
}

#[tokio::test]
async fn an_allowed_website_s_button_socket_hears_its_gate_open_at_once() {
    let app = embedded_app(|_| {}).await;
    let mut button = app
        .gate_socket_from(SUCHT_SITE, "?topic=suchtberatung")
        .await
        .unwrap_or_else(|refusal| panic!("refused: {refusal:?}"));
    // Pforte's own asker page and clients without an Origin need no topic.
    let own = app.base.clone();
    assert!(app.gate_socket_from(&own, "").await.is_ok());
    let _plain = app.watch_gates().await;

    let (_bernd, _events) = app.available("bernd").await;

    button
        .expect("the gate of Suchtberatung opening", |e| {
            matches!(e, ServerEvent::GateChanged { topic_id, open: true } if *topic_id == SUCHT)
        })
        .await;
}

/// The sources of the `frame-ancestors` directive of a page's Content-Security-Policy.
fn frame_ancestors(response: &reqwest::Response) -> Vec<String> {
    let policy = response
        .headers()
        .get("content-security-policy")
        .expect("pages have a CSP")
        .to_str()
        .unwrap();
    let directive = policy
        .split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix("frame-ancestors "))
        .unwrap_or_else(|| panic!("no frame-ancestors in {policy}"));
    directive.split_whitespace().map(str::to_owned).collect()
}

fn frame_options(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("x-frame-options")
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_asker_page_may_be_framed_by_exactly_the_websites_allowed_for_its_topic() {
    let ui = tempfile::tempdir().unwrap();
    for page in ["index.html", "asker.html"] {
        std::fs::write(ui.path().join(page), "<!doctype html><title>Pforte</title>").unwrap();
    }
    let ui_dir = ui.path().to_owned();
    let app = embedded_app(move |s| s.ui_dir = ui_dir).await;
    let page = |path: &'static str| {
        let url = app.url(path);
        let http = app.http.clone();
        async move { http.get(url).send().await.unwrap() }
    };

    let sucht = page("/asker.html?topic=suchtberatung&embed=1").await;
    assert_eq!(sucht.status(), StatusCode::OK);
    assert_eq!(frame_ancestors(&sucht), ["'self'", SUCHT_SITE]);
    assert_eq!(
        frame_options(&sucht),
        None,
        "X-Frame-Options cannot name another website, so it must not contradict the CSP"
    );

    let schwanger = page("/asker.html?embed=1&topic=schwangerschaftsberatung").await;
    assert_eq!(frame_ancestors(&schwanger), ["'self'", SCHWANGER_SITE]);

    for path in [
        "/asker.html",
        "/asker.html?topic=go-on&embed=1",
        "/asker.html?topic=no-such-topic&embed=1",
        "/asker.html?topic=",
    ] {
        let closed = page(path).await;
        assert_eq!(frame_ancestors(&closed), ["'self'"], "{path}");
        assert_eq!(
            frame_options(&closed).as_deref(),
            Some("SAMEORIGIN"),
            "{path}"
        );
    }
    let dashboard = page("/").await;
    assert_eq!(frame_ancestors(&dashboard), ["'none'"]);
    assert_eq!(frame_options(&dashboard).as_deref(), Some("DENY"));
}

#[tokio::test]
async fn a_website_allowed_for_every_topic_may_frame_every_asker_page_along_with_the_topic_s_own() {
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(ui.path().join("index.html"), "<!doctype html>").unwrap();
    std::fs::write(ui.path().join("asker.html"), "<!doctype html>").unwrap();
    let ui_dir = ui.path().to_owned();
    let app = embedded_app(move |s| {
        s.ui_dir = ui_dir;
        s.embed_origins = vec!["https://dioezese.example".parse().unwrap()];
    })
    .await;

    let sucht = app
        .http
        .get(app.url("/asker.html?topic=suchtberatung&embed=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        frame_ancestors(&sucht),
        ["'self'", "https://dioezese.example", SUCHT_SITE]
    );
    let plain = app.http.get(app.url("/asker.html")).send().await.unwrap();
    assert_eq!(
        frame_ancestors(&plain),
        ["'self'", "https://dioezese.example"]
    );
    assert_eq!(frame_options(&plain), None);
}

#[tokio::test]
async fn an_embedding_website_may_read_its_own_topic_s_state_across_origins_and_nothing_else() {
    let app = embedded_app(|_| {}).await;
    let read = |path: &'static str, origin: &'static str| {
        let request = app.http.get(app.url(path)).header("origin", origin);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            response
                .headers()
                .get("access-control-allow-origin")
                .map(|v| v.to_str().unwrap().to_owned())
        }
    };

    assert_eq!(
        read("/api/topics/suchtberatung", SUCHT_SITE)
            .await
            .as_deref(),
        Some(SUCHT_SITE)
    );
    assert_eq!(
        read("/api/topics/sucht%62eratung", SUCHT_SITE)
            .await
            .as_deref(),
        Some(SUCHT_SITE),
        "the path is read as the router reads it"
    );
    assert_eq!(
        read("/api/topics/schwangerschaftsberatung", SUCHT_SITE).await,
        None
    );
    assert_eq!(read("/api/topics", SUCHT_SITE).await, None);
    assert_eq!(read("/api/health", SUCHT_SITE).await, None);
    assert_eq!(read("/api/topics/suchtberatung", FOREIGN).await, None);
    assert_eq!(
        read("/api/topics", DESKTOP).await.as_deref(),
        Some(DESKTOP),
        "the desktop app still reads everything"
    );
}

#[tokio::test]
async fn bad_embed_origins_are_refused_with_their_code_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::open(&format!("sqlite://{}", dir.path().join("p.db").display()))
        .await
        .unwrap();
    store
        .create_topic("suchtberatung", "Suchtberatung", true, None, None)
        .await
        .unwrap();

    for (origin, code) in [
        ("http://www.example.org", "origin_not_https"),
        ("https://www.example.org/beratung", "origin_has_path"),
        ("https://www.example.org/?x=1", "origin_has_query"),
        ("https://*.example.org", "origin_wildcard"),
        ("www.example.org", "origin_invalid"),
    ] {
        // One good origin beside the bad one: all or nothing.
        let added = [SUCHT_SITE.to_owned(), origin.to_owned()];
        let error = operator::change_embed_origins(
            &store,
            &Actor::Cli,
            "suchtberatung",
            &added,
            &[],
            false,
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(error.starts_with(code), "{origin}: {error}");
    }
    let topics = store.topics().await.unwrap();
    assert!(topics[0].embed_origins.is_empty(), "{topics:?}");

    let unknown = operator::change_embed_origins(
        &store,
        &Actor::Cli,
        "nope",
        &[SUCHT_SITE.into()],
        &[],
        false,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(unknown.starts_with("unknown_topic"), "{unknown}");
}

#[tokio::test]
async fn embed_origins_are_stored_as_browsers_send_them_added_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::open(&format!("sqlite://{}", dir.path().join("p.db").display()))
        .await
        .unwrap();
    store
        .create_topic("suchtberatung", "Suchtberatung", true, None, None)
        .await
        .unwrap();
    let change = |add: &[&str], remove: &[&str], clear: bool| {
        let add: Vec<String> = add.iter().map(|s| s.to_string()).collect();
        let remove: Vec<String> = remove.iter().map(|s| s.to_string()).collect();
        let store = &store;
        async move {
            operator::change_embed_origins(
                store,
                &Actor::Cli,
                "suchtberatung",
                &add,
                &remove,
                clear,
            )
            .await
            .unwrap()
            .embed_origins
            .iter()
            .map(|o| o.to_string())
            .collect::<Vec<_>>()
        }
    };

    assert_eq!(
        change(
            &["HTTPS://WWW.Sucht-Hilfe.example/", "https://b.example:443"],
            &[],
            false
        )
        .await,
        ["https://b.example", SUCHT_SITE]
    );
    assert_eq!(
        change(&[SUCHT_SITE], &["https://b.example"], false).await,
        [SUCHT_SITE]
    );
    assert_eq!(
        change(&["https://c.example"], &[], true).await,
        ["https://c.example"]
    );
    let reopened = SqlStore::open(&format!("sqlite://{}", dir.path().join("p.db").display()))
        .await
        .unwrap();
    assert_eq!(
        reopened.topics().await.unwrap()[0].embed_origins,
        vec!["https://c.example".parse().unwrap()]
    );
}

#[test]
fn a_bad_global_embed_origin_stops_the_server_from_starting_with_its_code() {
    use clap::Parser;
    #[derive(Parser)]
    struct Only {
        #[command(flatten)]
        settings: ServeSettings,
    }
    let error = Only::try_parse_from([
        "pforte-server",
        "--embed-origins",
        "https://a.example,https://b.example/beratung",
    ])
    .err()
    .expect("refused")
    .to_string();
    assert!(error.contains("origin_has_path"), "{error}");
    let fine = Only::try_parse_from([
        "pforte-server",
        "--embed-origins",
        "https://a.example,https://b.example",
    ])
    .unwrap();
    assert_eq!(fine.settings.embed_origins.len(), 2);
    let none = Only::try_parse_from(["pforte-server"]).unwrap();
    assert!(
        none.settings.embed_origins.is_empty(),
        "the default allows none"
    );
}
