use std::time::Duration;

use pforte_wire::{ErrorCode, ServerEvent};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn only_available_counselors_of_the_topic_are_told_of_a_new_request() {
    let app = spawn_app().await;
    let (_anna, mut anna_events) = app.available("anna").await; // Sucht + Schwanger
    let (_clara, mut clara_events) = app.available("clara").await; // Schwanger only
    let bernd = app.login("bernd").await; // Sucht, connected but not switched on
    let mut bernd_events = app.connect_counselor(&bernd).await;

    let asker = app.enter(SUCHT).await;

    let created = anna_events
        .expect("the new request", |e| {
            matches!(e, ServerEvent::RequestCreated { .. })
        })
        .await;
    let ServerEvent::RequestCreated { request, .. } = created else {
        unreachable!()
    };
    assert_eq!(request.id.to_string(), asker.request_id);
    assert_eq!(request.topic_name, "Suchtberatung");
    assert!(!request.pseudonym.is_empty());
    for (who, events) in [("bernd", &mut bernd_events), ("clara", &mut clara_events)] {
        events
            .expect_none(who, Duration::from_millis(300), |e| {
                matches!(e, ServerEvent::RequestCreated { .. })
            })
            .await;
    }
}

#[tokio::test]
async fn an_unavailable_counselor_can_neither_list_nor_accept_requests() {
    let app = spawn_app().await;
    let (_anna, _anna_events) = app.available("anna").await;
    let asker = app.enter(SUCHT).await;
    let bernd = app.login("bernd").await;
    let _bernd_events = app.connect_counselor(&bernd).await;

    let list = app.get("/api/requests", &bernd.token).await;
    assert_eq!(
        error_of(list, StatusCode::CONFLICT).await,
        ErrorCode::NotAvailable
    );
    let accept = app
        .post(
            &format!("/api/requests/{}/accept", asker.request_id),
            &bernd.token,
            app.grant(&bernd).await,
        )
        .await;
    assert_eq!(
        error_of(accept, StatusCode::CONFLICT).await,
        ErrorCode::NotAvailable
    );
}

#[tokio::test]
async fn the_list_shows_requests_of_the_counselors_topics_oldest_first() {
    let app = spawn_app().await;
    let (anna, _anna_events) = app.available("anna").await;
    let first = app.enter(SCHWANGER).await;
    let second = app.enter(SUCHT).await;

    let list: Value = app
        .get("/api/requests", &anna.token)
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = list["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![first.request_id.as_str(), second.request_id.as_str()]
    );
}

#[tokio::test]
async fn a_counselor_cannot_accept_a_request_of_a_topic_they_do_not_counsel() {
    let app = spawn_app().await;
    let (_anna, _anna_events) = app.available("anna").await;
    let (clara, _clara_events) = app.available("clara").await;
    let asker = app.enter(SUCHT).await;

    let accept = app
        .post(
            &format!("/api/requests/{}/accept", asker.request_id),
            &clara.token,
            app.grant(&clara).await,
        )
        .await;
    assert_eq!(
        error_of(accept, StatusCode::FORBIDDEN).await,
        ErrorCode::NotYourTopic
    );
}

#[tokio::test]
async fn of_fifty_simultaneous_accepts_exactly_one_wins_and_the_others_see_the_request_vanish() {
    let app = spawn_app().await;
    let (anna, mut anna_events) = app.available("anna").await;
    let (bernd, mut bernd_events) = app.available("bernd").await;
    let (_asker, mut asker_events) = app.waiting(SUCHT).await;
    let path = format!("/api/requests/{}/accept", _asker.request_id);
    let (anna_grant, bernd_grant) = (app.grant(&anna).await, app.grant(&bernd).await);

    let attempts = (0..50).map(|i| {
        let (token, grant) = if i % 2 == 0 {
            (anna.token.clone(), anna_grant.clone())
        } else {
            (bernd.token.clone(), bernd_grant.clone())
        };
        let (http, url) = (app.http.clone(), app.url(&path));
        tokio::spawn(async move {
            let response = http
                .post(url)
                .bearer_auth(&token)
                .json(&grant)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            (token, status, body)
        })
    });
    let results = futures_util::future::join_all(attempts).await;

    let winners: Vec<_> = results
        .iter()
        .map(|r| r.as_ref().unwrap())
        .filter(|(_, s, _)| *s == StatusCode::OK)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one accept wins");
    for (_, status, body) in results.iter().map(|r| r.as_ref().unwrap()) {
        if *status != StatusCode::OK {
            assert_eq!(*status, StatusCode::CONFLICT);
            assert_eq!(body["code"], "already_taken");
        }
    }
    let winner_is_anna = winners[0].0 == anna.token;
    let (loser_events, winner_events) = if winner_is_anna {
        (&mut bernd_events, &mut anna_events)
    } else {
        (&mut anna_events, &mut bernd_events)
    };
    loser_events
        .expect("the request taken by a colleague", |e| {
            matches!(e, ServerEvent::RequestTaken { by_you: false, .. })
        })
        .await;
    winner_events
        .expect("the conversation started", |e| {
            matches!(e, ServerEvent::ConversationStarted { .. })
        })
        .await;
    asker_events
        .expect("the chat accepted", |e| {
            matches!(e, ServerEvent::ChatAccepted { .. })
        })
        .await;
    assert_eq!(app.count_rows("chats WHERE state = 'chatting'").await, 1);
}

#[tokio::test]
async fn a_full_waiting_room_tells_the_next_asker_queue_full_and_stores_nothing() {
    let app = spawn_app_with(|s| s.max_waiting = 2).await;
    let (_bernd, _events) = app.available("bernd").await;
    app.enter(SUCHT).await;
    app.enter(SUCHT).await;
    let chats = app.count_rows("chats").await;
    let refused = app.try_enter(SUCHT).await;
    assert_eq!(
        error_of(refused, StatusCode::SERVICE_UNAVAILABLE).await,
        ErrorCode::QueueFull
    );
    assert_eq!(app.count_rows("chats").await, chats);
}

#[tokio::test]
async fn the_request_list_comes_a_page_at_a_time_with_the_total() {
    let app = spawn_app().await;
    let (bernd, _events) = app.available("bernd").await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(app.enter(SUCHT).await.request_id);
    }
    let page: Value = app
        .get("/api/requests?offset=1&limit=2", &bernd.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 5);
    let shown: Vec<&str> = page["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        shown,
        vec![ids[1].as_str(), ids[2].as_str()],
        "oldest first"
    );
    let all: Value = app
        .get("/api/requests", &bernd.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["requests"].as_array().unwrap().len(), 5);
    let bad = app.get("/api/requests?limit=0", &bernd.token).await;
    assert_eq!(
        error_of(bad, StatusCode::BAD_REQUEST).await,
        ErrorCode::InvalidParameter
    );
}

#[tokio::test]
async fn a_flood_of_entries_leaves_a_slow_counselor_available_and_tells_them_to_re_read() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let app = spawn_app_with(|s| {
        s.max_waiting = 5000;
        s.enter_per_minute = 100_000;
    })
    .await;
    let bernd = app.login("bernd").await;
    // Bernd's device on a slow line: a tiny receive buffer, and it reads a frame only every
    // 10 ms, slower than the flood (it answers pings: it is slow, not dead).
    let address: std::net::SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    let tcp = tokio::net::TcpSocket::new_v4().unwrap();
    tcp.set_recv_buffer_size(2048).unwrap();
    let stream = tcp.connect(address).await.unwrap();
    let mut request = format!("{}/api/counselor/ws", app.ws_base)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", bernd.token).parse().unwrap(),
    );
    let (mut slow, _) =
        tokio_tungstenite::client_async(request, tokio_tungstenite::MaybeTlsStream::Plain(stream))
            .await
            .unwrap();
    let reader = tokio::spawn(async move {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        while let Ok(Some(Ok(frame))) = tokio::time::timeout_at(deadline, slow.next()).await {
            if let tokio_tungstenite::tungstenite::Message::Text(text) = frame {
                if text.contains("\"requests_changed\"") {
                    return true;
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        false
    });
    app.switch(&bernd, true).await;

    for _ in 0..1200 {
        assert_eq!(app.try_enter(SUCHT).await.status(), StatusCode::CREATED);
    }
    let me: Value = app.get("/api/me", &bernd.token).await.json().await.unwrap();
    assert_eq!(
        me["availability"]["available"], true,
        "not dropped as too slow"
    );
    let list: Value = app
        .get("/api/requests", &bernd.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1200, "what a re-read shows");
    // Once the device caught up, it was told to re-read the list.
    assert!(reader.await.unwrap(), "requests_changed arrived");
}
