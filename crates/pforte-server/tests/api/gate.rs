use std::time::Duration;

use pforte_wire::{ErrorCode, ServerEvent};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn entering_a_closed_gate_is_refused_and_nothing_is_stored_or_announced() {
    let app = spawn_app().await;
    // Bernd is connected but not switched on: his topic's gate stays closed.
    let bernd = app.login("bernd").await;
    let mut bernd_events = app.connect_counselor(&bernd).await;

    let code = error_of(app.try_enter(SUCHT).await, StatusCode::CONFLICT).await;

    assert_eq!(code, ErrorCode::GateClosed);
    assert_eq!(app.count_rows("chats").await, 0);
    bernd_events
        .expect_none("news of a request", Duration::from_millis(500), |e| {
            matches!(e, ServerEvent::RequestCreated { .. })
        })
        .await;
}

#[tokio::test]
async fn the_gate_opens_when_a_connected_counselor_switches_on_and_watching_pages_hear_it_at_once()
{
    let app = spawn_app().await;
    let mut watcher = app.watch_gates().await;
    assert!(!app.gate_open(SUCHT).await);

    let (_bernd, _events) = app.available("bernd").await;

    watcher
        .expect("the gate of Suchtberatung opening", |e| {
            matches!(e, ServerEvent::GateChanged { topic_id, open: true } if *topic_id == SUCHT)
        })
        .await;
    assert!(app.gate_open(SUCHT).await);
    assert!(
        !app.gate_open(SCHWANGER).await,
        "Bernd does not counsel this topic"
    );
}

#[tokio::test]
async fn switching_on_without_a_live_connection_keeps_the_gate_closed() {
    let app = spawn_app().await;
    let bernd = app.login("bernd").await;

    let availability = app.switch(&bernd, true).await;

    assert_eq!(availability["switched_on"], true);
    assert_eq!(availability["available"], false);
    assert!(!app.gate_open(SUCHT).await);
}

#[tokio::test]
async fn a_topic_without_live_chat_is_not_offered_and_refuses_entry() {
    let app = spawn_app().await;
    let (_bernd, _events) = app.available("bernd").await;

    let topics: serde_json::Value = app
        .http
        .get(app.url("/api/topics"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = topics["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert!(!ids.contains(&NO_CHAT));
    let code = error_of(app.try_enter(NO_CHAT).await, StatusCode::CONFLICT).await;
    assert_eq!(code, ErrorCode::LiveChatDisabled);
    let code = error_of(app.try_enter(999).await, StatusCode::NOT_FOUND).await;
    assert_eq!(code, ErrorCode::UnknownTopic);
}

#[tokio::test]
async fn absence_switches_availability_off_closes_the_gate_and_blocks_switching_on() {
    let app = spawn_app().await;
    let (bernd, mut events) = app.available("bernd").await;

    let response = app
        .put(
            "/api/me/absence",
            &bernd.token,
            json!({"absent": true, "message": "Im Urlaub bis Montag"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    events
        .expect("availability off because of absence", |e| {
            matches!(e, ServerEvent::AvailabilityChanged { availability, .. }
                if !availability.available && availability.absent
                && availability.absence_message.as_deref() == Some("Im Urlaub bis Montag"))
        })
        .await;
    assert!(!app.gate_open(SUCHT).await);
    let refused = app
        .put("/api/me/availability", &bernd.token, json!({"on": true}))
        .await;
    assert_eq!(
        error_of(refused, StatusCode::CONFLICT).await,
        ErrorCode::Absent
    );
}

#[tokio::test]
async fn a_topic_can_be_opened_by_a_direct_link() {
    let app = spawn_app().await;
    let topic: serde_json::Value = app
        .http
        .get(app.url("/api/topics/suchtberatung"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(topic["name"], "Suchtberatung");
    assert_eq!(topic["chat_hours"], "Mo–Fr 10–16 Uhr");
    assert_eq!(topic["gate_open"], false);
    let missing = app
        .http
        .get(app.url("/api/topics/go-on"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(missing, StatusCode::NOT_FOUND).await,
        ErrorCode::UnknownTopic
    );
}

#[tokio::test]
async fn switching_on_without_a_live_connection_says_why_the_counselor_is_not_available_yet() {
    let app = spawn_app().await;
    let bernd = app.login("bernd").await;
    let answer = app.switch(&bernd, true).await;
    assert_eq!(answer["switched_on"], true);
    assert_eq!(answer["available"], false);
    assert_eq!(answer["unavailable_because"], "no_connection");
    assert!(!app.gate_open(SUCHT).await);

    let _device = app.connect_counselor(&bernd).await;
    let me: Value = app.get("/api/me", &bernd.token).await.json().await.unwrap();
    assert_eq!(me["availability"]["available"], true);
    assert_eq!(me["availability"]["unavailable_because"], Value::Null);
    let off = app.switch(&bernd, false).await;
    assert_eq!(off["unavailable_because"], "switched_off");
}

/// The `last_for` of the next `availability_changed` of an available counselor.
async fn next_last_for(events: &mut Events, what: &str) -> Vec<(i64, String, u32)> {
    match events
        .expect(what, |e| {
            matches!(e, ServerEvent::AvailabilityChanged { availability, .. } if availability.available)
        })
        .await
    {
        ServerEvent::AvailabilityChanged { availability, .. } => availability
            .last_for
            .into_iter()
            .map(|c| (c.topic_id, c.topic_name, c.waiting))
            .collect(),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn the_last_available_counselor_of_a_topic_is_told_so_with_the_waiting_askers_and_told_again_when_it_changes(
) {
    let app = spawn_app().await;
    let sucht = |waiting| (SUCHT, "Suchtberatung".to_owned(), waiting);
    let bernd = app.login("bernd").await;
    let mut bernd_events = app.connect_counselor(&bernd).await;
    let answer = app.switch(&bernd, true).await;
    assert_eq!(
        answer["last_for"],
        json!([{"topic_id": SUCHT, "topic_name": "Suchtberatung", "waiting": 0}])
    );
    assert_eq!(
        next_last_for(&mut bernd_events, "switched on").await,
        vec![sucht(0)]
    );

    let (_asker, _asker_events) = app.waiting(SUCHT).await;
    assert_eq!(
        next_last_for(&mut bernd_events, "an asker waits").await,
        vec![sucht(1)]
    );

    // Anna switches on: Bernd is no longer the last one of Suchtberatung; Anna is the last
    // of Schwangerschaftsberatung only.
    let (anna, _anna_events) = app.available("anna").await;
    assert_eq!(
        next_last_for(&mut bernd_events, "a colleague came").await,
        vec![]
    );
    let me: serde_json::Value = app.get("/api/me", &anna.token).await.json().await.unwrap();
    assert_eq!(
        me["availability"]["last_for"],
        json!([{"topic_id": SCHWANGER, "topic_name": "Schwangerschaftsberatung", "waiting": 0}])
    );

    app.switch(&anna, false).await;
    assert_eq!(
        next_last_for(&mut bernd_events, "the colleague left").await,
        vec![sucht(1)]
    );
    // A colleague of another topic switching on changes nothing for Bernd: no news.
    let (_clara, _clara_events) = app.available("clara").await;
    bernd_events
        .expect_none(
            "an availability change without news",
            Duration::from_millis(300),
            |e| matches!(e, ServerEvent::AvailabilityChanged { .. }),
        )
        .await;
}
