use futures_util::StreamExt;
use std::time::{Duration, Instant};

use pforte_wire::{ErrorCode, ServerEvent, SessionEndReason, SwitchReason};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn logging_in_never_switches_availability_on() {
    let app = spawn_app().await;
    let (bernd, events) = app.available("bernd").await;
    drop(events);
    app.post("/api/auth/logout", &bernd.token, json!({})).await;

    let again = app.login("bernd").await;
    let _events = app.connect_counselor(&again).await;

    let me: Value = app.get("/api/me", &again.token).await.json().await.unwrap();
    assert_eq!(me["availability"]["switched_on"], false);
    assert_eq!(me["availability"]["available"], false);
    assert!(!app.gate_open(SUCHT).await);
}

#[tokio::test]
async fn availability_switched_on_one_device_shows_on_every_other_device() {
    let app = spawn_app().await;
    let desktop = app.login("bernd").await;
    let browser = app.login("bernd").await;
    let mut desktop_events = app.connect_counselor(&desktop).await;
    let mut browser_events = app.connect_counselor(&browser).await;

    app.switch(&browser, true).await;

    desktop_events
        .expect("on, from the other device", |e| {
            matches!(e, ServerEvent::AvailabilityChanged { availability, reason: Some(SwitchReason::Toggle) } if availability.available)
        })
        .await;
    app.switch(&desktop, false).await;
    browser_events
        .expect("off, from the other device", |e| {
            matches!(e, ServerEvent::AvailabilityChanged { availability, .. } if !availability.switched_on)
        })
        .await;
}

#[tokio::test]
async fn logging_out_on_one_device_switches_availability_off_everywhere_and_ends_that_session() {
    let app = spawn_app().await;
    let (desktop, mut desktop_events) = app.available("bernd").await;
    let browser = app.login("bernd").await;
    let mut browser_events = app.connect_counselor(&browser).await;

    let response = app
        .post("/api/auth/logout", &browser.token, json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    desktop_events
        .expect("off because of the logout", |e| {
            matches!(e, ServerEvent::AvailabilityChanged { availability, reason: Some(SwitchReason::Logout) } if !availability.available)
        })
        .await;
    browser_events
        .expect("the session ended", |e| {
            matches!(
                e,
                ServerEvent::SessionEnded {
                    reason: SessionEndReason::LoggedOut
                }
            )
        })
        .await;
    assert_eq!(browser_events.closed_with().await, Some(4401));
    let me = app.get("/api/me", &browser.token).await;
    assert_eq!(
        error_of(me, StatusCode::UNAUTHORIZED).await,
        ErrorCode::Unauthorized
    );
    let me = app.get("/api/me", &desktop.token).await;
    assert_eq!(
        me.status(),
        StatusCode::OK,
        "the other device stays logged in"
    );
}

#[tokio::test]
async fn going_offline_when_the_window_closes_is_idempotent_and_closes_the_gate() {
    let app = spawn_app().await;
    let (bernd, mut events) = app.available("bernd").await;

    for _ in 0..2 {
        let started = Instant::now();
        let response = app
            .post(
                "/api/me/offline",
                &bernd.token,
                json!({"reason": "window_closed"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["available"], false);
        assert_eq!(body["switched_on"], false);
        eprintln!("going offline took {:?}", started.elapsed());
    }
    events
        .expect("off because the window closed", |e| {
            matches!(
                e,
                ServerEvent::AvailabilityChanged {
                    reason: Some(SwitchReason::WindowClosed),
                    ..
                }
            )
        })
        .await;
    assert!(!app.gate_open(SUCHT).await);
    let bad = app
        .post("/api/me/offline", &bernd.token, json!({"reason": "bored"}))
        .await;
    assert_eq!(
        error_of(bad, StatusCode::UNPROCESSABLE_ENTITY).await,
        ErrorCode::InvalidBody
    );
}

#[tokio::test]
async fn a_wrong_password_or_unknown_name_gets_the_same_answer() {
    let app = spawn_app().await;
    for (name, password) in [("bernd", "wrong-password"), ("nobody", "bernd-password")] {
        let response = app
            .http
            .post(app.url("/api/auth/login"))
            .json(&json!({"name": name, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_of(response, StatusCode::UNAUTHORIZED).await,
            ErrorCode::InvalidCredentials
        );
    }
}

#[tokio::test]
async fn an_expired_session_switches_availability_off_and_is_told() {
    let app = spawn_app_with(|s| s.session_ttl = Duration::from_secs(2)).await;
    let (bernd, mut events) = app.available("bernd").await;

    events
        .expect_within("the session expiring", Duration::from_secs(10), |e| {
            matches!(
                e,
                ServerEvent::SessionEnded {
                    reason: SessionEndReason::Expired
                }
            )
        })
        .await;
    let me = app.get("/api/me", &bernd.token).await;
    assert_eq!(
        error_of(me, StatusCode::UNAUTHORIZED).await,
        ErrorCode::Unauthorized
    );
    assert!(!app.gate_open(SUCHT).await);
}

#[tokio::test]
async fn a_lost_connection_that_comes_back_soon_resumes_but_one_that_stays_away_switches_off() {
    let app = spawn_app_with(|s| s.resume_window = Duration::from_secs(2)).await;
    let (bernd, events) = app.available("bernd").await;

    drop(events);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!app.gate_open(SUCHT).await, "no connection, not available");
    let events = app.connect_counselor(&bernd).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        app.gate_open(SUCHT).await,
        "back within the window: available again"
    );

    drop(events);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let _events = app.connect_counselor(&bernd).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!app.gate_open(SUCHT).await, "away too long: switched off");
    let me: Value = app.get("/api/me", &bernd.token).await.json().await.unwrap();
    assert_eq!(me["availability"]["switched_on"], false);
}

#[tokio::test]
async fn an_app_restarted_after_a_crash_does_not_get_availability_back_by_itself() {
    let app = spawn_app().await;
    let (bernd, events) = app.available("bernd").await;

    drop(events); // the app crashed: no goodbye
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _restarted = app.start_counselor_device(&bernd).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    assert!(!app.gate_open(SUCHT).await);
    let me: Value = app.get("/api/me", &bernd.token).await.json().await.unwrap();
    assert_eq!(me["availability"]["switched_on"], false);
}

#[tokio::test]
async fn coverage_tells_a_counselor_how_many_colleagues_are_available_and_how_many_wait() {
    let app = spawn_app().await;
    let (anna, mut anna_events) = app.available("anna").await;
    let (_bernd, _bernd_events) = app.available("bernd").await;
    let _asker = app.enter(SUCHT).await;

    anna_events
        .expect("coverage of Suchtberatung", |e| {
            matches!(e, ServerEvent::CoverageChanged { coverage } if coverage.topic_id == SUCHT && coverage.available_counselors == 2 && coverage.waiting == 1)
        })
        .await;
    let list: Value = app
        .get("/api/me/coverage", &anna.token)
        .await
        .json()
        .await
        .unwrap();
    let sucht = list["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["topic_id"] == SUCHT)
        .unwrap()
        .clone();
    assert_eq!(sucht["available_counselors"], 2);
    assert_eq!(sucht["waiting"], 1);
}

/// A counselor socket with a tiny receive buffer that reads nothing until told to.
async fn slow_device(app: &TestApp, counselor: &Counselor) -> Socket {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let address: std::net::SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    let tcp = tokio::net::TcpSocket::new_v4().unwrap();
    tcp.set_recv_buffer_size(2048).unwrap();
    let stream = tcp.connect(address).await.unwrap();
    let mut request = format!("{}/api/counselor/ws", app.ws_base)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", counselor.token).parse().unwrap(),
    );
    let (socket, _) =
        tokio_tungstenite::client_async(request, tokio_tungstenite::MaybeTlsStream::Plain(stream))
            .await
            .unwrap();
    socket
}

#[tokio::test]
async fn after_logout_a_device_that_reads_slowly_receives_no_chat_text_sent_after_it() {
    let app = spawn_app().await;
    let (bernd, _bernd_events) = app.available("bernd").await;
    let (asker, _asker_events) = app.waiting(SUCHT).await;
    let accepted = app
        .post(
            &format!("/api/requests/{}/accept", asker.request_id),
            &bernd.token,
            app.grant(&bernd).await,
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let mut slow = slow_device(&app, &bernd).await;

    // Fill what the network and the server hold for the slow device.
    let filler = "vor der Abmeldung ".repeat(150);
    for _ in 0..120 {
        app.post("/api/asker/messages", &asker.token, asker_says(&filler))
            .await;
    }
    let logout = app.post("/api/auth/logout", &bernd.token, json!({})).await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    for i in 0..20 {
        let sent = app
            .post(
                "/api/asker/messages",
                &asker.token,
                asker_says(&format!("nach der Abmeldung {i}")),
            )
            .await;
        assert_eq!(
            sent.status(),
            StatusCode::CREATED,
            "the chat itself goes on"
        );
    }

    // Now the device reads everything it was sent, slowly.
    let mut texts = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(Ok(frame)) = slow.next().await {
            if let tokio_tungstenite::tungstenite::Message::Text(text) = frame {
                // What the device could open of it (the stand-in seals are readable).
                let event: Value = serde_json::from_str(&text).unwrap();
                if event["type"] == "message_posted" {
                    texts.push(opened(&event["message"]));
                }
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await;
    assert!(ended.is_ok(), "the server closed the device's socket");
    let leaked: Vec<&String> = texts
        .iter()
        .filter(|t| t.contains("nach der Abmeldung"))
        .collect();
    assert!(
        leaked.is_empty(),
        "chat text after the logout reached the device: {leaked:?}"
    );
}

#[tokio::test]
async fn a_database_failure_while_a_socket_logs_in_closes_it_with_1011_not_as_logged_out() {
    let app = spawn_app().await;
    let bernd = app.login("bernd").await;
    // Break the store under the running server: its session look-ups now fail.
    app.database
        .execute("ALTER TABLE sessions RENAME TO sessions_gone")
        .await;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("{}/api/counselor/ws", app.ws_base)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", bernd.token).parse().unwrap(),
    );
    let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let mut events = Events { socket };
    assert_eq!(events.closed_with().await, Some(1011));
    let me = app.get("/api/me", &bernd.token).await;
    assert_eq!(
        error_of(me, StatusCode::INTERNAL_SERVER_ERROR).await,
        ErrorCode::Internal
    );
}
