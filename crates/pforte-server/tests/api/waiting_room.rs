use std::time::{Duration, Instant};

use futures_util::StreamExt;
use pforte_wire::{RequestEndReason, ServerEvent};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn an_asker_learns_their_position_and_it_moves_up_when_someone_ahead_leaves() {
    let app = spawn_app().await;
    let (_bernd, _events) = app.available("bernd").await;
    let (first, _first_events) = app.waiting(SUCHT).await;
    let (second, mut second_events) = app.waiting(SUCHT).await;
    assert_eq!(first.position, 1);
    assert_eq!(second.position, 2);

    let left = app.post("/api/asker/leave", &first.token, json!({})).await;
    assert_eq!(left.status(), StatusCode::NO_CONTENT);

    second_events
        .expect("position 1", |e| {
            matches!(e, ServerEvent::QueuePosition { position: 1, .. })
        })
        .await;
    let state: Value = app
        .get("/api/asker", &second.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(state["status"]["state"], "waiting");
    assert_eq!(state["status"]["position"], 1);
    assert_eq!(state["status"]["gate_open"], true);
}

#[tokio::test]
async fn when_the_last_counselor_switches_off_waiting_askers_are_told_at_once_and_later_told_it_ended(
) {
    let app = spawn_app_with(|s| s.grace = Duration::from_secs(2)).await;
    let (bernd, _events) = app.available("bernd").await;
    let (asker, mut asker_events) = app.waiting(SUCHT).await;

    app.switch(&bernd, false).await;

    let closing = asker_events
        .expect_within("the waiting room closing", Duration::from_secs(1), |e| {
            matches!(e, ServerEvent::WaitingRoomClosing { .. })
        })
        .await;
    let ServerEvent::WaitingRoomClosing {
        grace_until: Some(_),
    } = closing
    else {
        panic!("the asker must learn how long they are kept: {closing:?}");
    };
    let ended = asker_events
        .expect("the request ending", |e| {
            matches!(e, ServerEvent::RequestEnded { .. })
        })
        .await;
    assert_eq!(
        ended,
        ServerEvent::RequestEnded {
            reason: RequestEndReason::NobodyAvailable,
            next_chat_hours: Some("Mo–Fr 10–16 Uhr".into())
        }
    );
    let state: Value = app
        .get("/api/asker", &asker.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(state["status"]["state"], "request_ended");
    assert_eq!(state["status"]["reason"], "nobody_available");
}

#[tokio::test]
async fn a_counselor_coming_back_within_the_grace_period_keeps_the_waiting_askers() {
    let app = spawn_app_with(|s| s.grace = Duration::from_secs(3)).await;
    let (bernd, _events) = app.available("bernd").await;
    let (asker, mut asker_events) = app.waiting(SUCHT).await;

    app.switch(&bernd, false).await;
    asker_events
        .expect("closing", |e| {
            matches!(e, ServerEvent::WaitingRoomClosing { .. })
        })
        .await;
    app.switch(&bernd, true).await;
    asker_events
        .expect("reopened", |e| {
            matches!(e, ServerEvent::WaitingRoomReopened)
        })
        .await;

    asker_events
        .expect_none("the request ending", Duration::from_secs(4), |e| {
            matches!(e, ServerEvent::RequestEnded { .. })
        })
        .await;
    let state: Value = app
        .get("/api/asker", &asker.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(state["status"]["state"], "waiting");
}

#[tokio::test]
async fn when_the_last_counselors_connection_dies_silently_waiting_askers_are_told_within_ten_seconds(
) {
    // Production heartbeat settings (3 s ping, 9 s silence = dead).
    let app = spawn_app().await;
    let (_bernd, bernd_events) = app.available("bernd").await;
    let (_asker, mut asker_events) = app.waiting(SUCHT).await;

    // The laptop vanishes: its socket stays open but never answers again (no pong, no close).
    let Events { socket } = bernd_events;
    let (_sink, stream) = socket.split();
    let frozen = stream; // never polled again
    let started = Instant::now();

    asker_events
        .expect_within("the waiting room closing", Duration::from_secs(12), |e| {
            matches!(e, ServerEvent::WaitingRoomClosing { .. })
        })
        .await;
    let took = started.elapsed();
    assert!(took <= Duration::from_secs(10), "told after {took:?}");
    assert!(!app.gate_open(SUCHT).await);
    drop(frozen);
}

#[tokio::test]
async fn an_asker_whose_page_is_gone_leaves_the_queue_and_every_counselor_list_drops_the_request() {
    let app = spawn_app_with(|s| s.asker_reconnect_window = Duration::from_secs(1)).await;
    let (bernd, mut bernd_events) = app.available("bernd").await;
    let (asker, asker_events) = app.waiting(SUCHT).await;
    bernd_events
        .expect("the request", |e| {
            matches!(e, ServerEvent::RequestCreated { .. })
        })
        .await;

    drop(asker_events);

    let withdrawn = bernd_events
        .expect("the request withdrawn", |e| {
            matches!(e, ServerEvent::RequestWithdrawn { .. })
        })
        .await;
    let ServerEvent::RequestWithdrawn {
        request_id, reason, ..
    } = withdrawn
    else {
        unreachable!()
    };
    assert_eq!(request_id.to_string(), asker.request_id);
    assert_eq!(reason, RequestEndReason::AskerGone);
    let list: Value = app
        .get("/api/requests", &bernd.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["requests"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_reload_of_the_asker_page_keeps_the_place_in_the_queue() {
    let app = spawn_app_with(|s| s.asker_reconnect_window = Duration::from_secs(2)).await;
    let (_bernd, _events) = app.available("bernd").await;
    let (first, first_events) = app.waiting(SUCHT).await;
    let (_second, _second_events) = app.waiting(SUCHT).await;

    drop(first_events);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _reloaded = app.connect_asker(&first).await;
    tokio::time::sleep(Duration::from_secs(3)).await;

    let state: Value = app
        .get("/api/asker", &first.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(state["status"]["state"], "waiting");
    assert_eq!(state["status"]["position"], 1);
}

#[tokio::test]
async fn leaving_the_waiting_room_withdraws_the_request_from_every_available_counselor() {
    let app = spawn_app().await;
    let (_anna, mut anna_events) = app.available("anna").await;
    let (_bernd, mut bernd_events) = app.available("bernd").await;
    let (asker, _asker_events) = app.waiting(SUCHT).await;

    app.post("/api/asker/leave", &asker.token, json!({})).await;

    for events in [&mut anna_events, &mut bernd_events] {
        events
            .expect("withdrawn", |e| {
                matches!(
                    e,
                    ServerEvent::RequestWithdrawn {
                        reason: RequestEndReason::Withdrawn,
                        ..
                    }
                )
            })
            .await;
    }
    let again = app.post("/api/asker/leave", &asker.token, json!({})).await;
    assert_eq!(
        error_of(again, StatusCode::CONFLICT).await,
        pforte_wire::ErrorCode::RequestGone
    );
}

#[tokio::test]
async fn entering_without_consent_is_refused() {
    let app = spawn_app().await;
    let (_bernd, _events) = app.available("bernd").await;
    let response = app
        .http
        .post(app.url("/api/waiting-room"))
        .json(&json!({"topic_id": SUCHT, "consent": false, "public_key": sealed::public_key()}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        pforte_wire::ErrorCode::ConsentRequired
    );
    assert_eq!(app.count_rows("chats").await, 0);
}

#[tokio::test]
async fn a_counselor_frozen_right_after_answering_a_ping_is_noticed_within_ten_seconds() {
    // The worst case of the heartbeat: the client answers a ping and freezes at once, so its
    // silence starts as late as it can. Production settings (3 s ping, 9 s silence = dead).
    let app = spawn_app().await;
    let (_bernd, bernd_events) = app.available("bernd").await;
    let (_asker, mut asker_events) = app.waiting(SUCHT).await;

    let Events { mut socket } = bernd_events;
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("the server pings within its interval")
            .expect("the socket is open")
            .unwrap();
        if message.is_ping() {
            break;
        }
    }
    // tungstenite queued the pong while reading the ping; this sends it.
    futures_util::SinkExt::flush(&mut socket).await.unwrap();
    let frozen = Instant::now();

    asker_events
        .expect_within("the waiting room closing", Duration::from_secs(15), |e| {
            matches!(e, ServerEvent::WaitingRoomClosing { .. })
        })
        .await;
    let took = frozen.elapsed();
    println!("frozen after its pong, noticed after {took:?}");
    assert!(took <= Duration::from_secs(10), "told after {took:?}");
    assert!(!app.gate_open(SUCHT).await);
    drop(socket);
}
