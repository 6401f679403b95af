//! Chat hours, covered shifts and seats over the real server: the operator's command, the
//! public topics, the shift reminders and the automatic switch-off at the desk's clock (moved
//! forward by the test), `no_free_seat`, and refusals that store nothing.

use std::time::Duration;

use pforte_domain::Timestamp;
use pforte_server::config::TestClock;
use pforte_server::operator;
use pforte_server::store::sql::SqlStore;
use pforte_server::store::{Actor, Store};
use pforte_wire::{ErrorCode, ServerEvent, ShiftNotice, SwitchReason};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// Monday, 14 June 2027, 12:30 in Berlin (10:30 UTC, summer time).
const MONDAY_12_30: i64 = 1_812_969_000_000;
/// Monday, 14 June 2027, 14:00 in Berlin.
const MONDAY_14_00: i64 = 1_812_974_400_000;
const MINUTE: i64 = 60_000;

async fn app_with_clock() -> (TestApp, TestClock) {
    let clock = TestClock::default();
    let app = spawn_app_with(|settings| settings.clock = clock.clone()).await;
    (app, clock)
}

async fn operator_store(app: &TestApp) -> SqlStore {
    SqlStore::open(&app.database.url).await.unwrap()
}

async fn set_hours(app: &TestApp, slug: &str, slots: &[&str]) {
    let store = operator_store(app).await;
    operator::set_hours(
        &store,
        &Actor::Cli,
        slug,
        &Default::default(),
        &slots.join("\n"),
        "An Feiertagen geschlossen",
        pforte_server::reception::now(),
    )
    .await
    .unwrap();
}

async fn public_topic(app: &TestApp, slug: &str) -> Value {
    let topics: Value = app
        .http
        .get(app.url("/api/topics"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    topics["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["slug"] == slug)
        .cloned()
        .unwrap()
}

async fn cover(app: &TestApp, counselor: &Counselor, start: &str, auto_switch_off: bool) -> Value {
    let response = app
        .put(
            "/api/me/shifts",
            &counselor.token,
            json!({
                "topics": [{"topic_id": SUCHT, "slots": [{"day": "monday", "start": start}]}],
                "auto_switch_off": auto_switch_off,
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test]
async fn chat_hours_set_by_the_operator_show_in_the_public_topics_with_the_next_opening() {
    let (app, clock) = app_with_clock().await;
    clock.set_to(Timestamp::from_millis(MONDAY_12_30));
    set_hours(&app, "suchtberatung", &["Mo-Fr 10:00-12:00, 14:00-16:00"]).await;

    until("the hours on the public topic", async || {
        !public_topic(&app, "suchtberatung").await["next_opening"].is_null()
    })
    .await;
    let topic = public_topic(&app, "suchtberatung").await;

    let next = &topic["next_opening"];
    assert_eq!(next["starts_at"], MONDAY_14_00);
    assert_eq!(next["ends_at"], MONDAY_14_00 + 120 * MINUTE);
    assert_eq!(
        next["text_de"],
        "Der Chat ist wieder geöffnet: heute 14:00–16:00 Uhr"
    );
    assert_eq!(next["text_en"], "Chat opens again: today 14:00–16:00");
    assert!(
        topic["current_slot"].is_null(),
        "12:30 is between the slots"
    );
    assert_eq!(topic["hours_note"], "An Feiertagen geschlossen");
    assert_eq!(topic["gate_open"], false, "hours never open a gate");
    let other = public_topic(&app, "schwangerschaftsberatung").await;
    assert!(other["next_opening"].is_null());
}

#[tokio::test]
async fn inside_a_slot_the_topic_names_the_running_slot_and_the_next_one() {
    let (app, clock) = app_with_clock().await;
    clock.set_to(Timestamp::from_millis(MONDAY_14_00 + 30 * MINUTE));
    set_hours(&app, "suchtberatung", &["Mo-Fr 10:00-12:00, 14:00-16:00"]).await;
    until("the hours on the public topic", async || {
        !public_topic(&app, "suchtberatung").await["current_slot"].is_null()
    })
    .await;
    let topic = public_topic(&app, "suchtberatung").await;
    assert_eq!(topic["current_slot"]["starts_at"], MONDAY_14_00);
    assert_eq!(
        topic["next_opening"]["text_de"],
        "Der Chat ist wieder geöffnet: morgen 10:00–12:00 Uhr"
    );
}

#[tokio::test]
async fn a_covered_slot_beginning_reminds_that_counselor_only_with_the_switch_on_offer() {
    let (app, clock) = app_with_clock().await;
    clock.set_to(Timestamp::from_millis(MONDAY_12_30));
    set_hours(&app, "suchtberatung", &["Mo 14:00-16:00"]).await;
    let anna = app.login("anna").await;
    let bernd = app.login("bernd").await;
    let mut anna_events = app.connect_counselor(&anna).await;
    let mut bernd_events = app.connect_counselor(&bernd).await;
    until("the hours on the desk", async || {
        app.get("/api/me/shifts", &anna.token)
            .await
            .json::<Value>()
            .await
            .unwrap()["topics"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    })
    .await;
    let mine = cover(&app, &anna, "14:00", false).await;
    assert_eq!(mine["topics"][0]["slots"][0]["covered"], true);

    clock.set_to(Timestamp::from_millis(MONDAY_14_00 - 1_000));

    let reminder = anna_events
        .expect("the reminder that her shift begins", |e| {
            matches!(e, ServerEvent::ShiftReminder { .. })
        })
        .await;
    let ServerEvent::ShiftReminder {
        notice,
        topic_id,
        topic_name,
        starts_at,
        ends_at,
    } = reminder
    else {
        unreachable!()
    };
    assert_eq!(notice, ShiftNotice::Started);
    assert_eq!((topic_id, topic_name.as_str()), (SUCHT, "Suchtberatung"));
    assert_eq!(
        (starts_at, ends_at),
        (MONDAY_14_00, MONDAY_14_00 + 120 * MINUTE)
    );
    bernd_events
        .expect_none(
            "a reminder for a shift he does not cover",
            Duration::from_secs(1),
            |e| matches!(e, ServerEvent::ShiftReminder { .. }),
        )
        .await;
    anna_events
        .expect_none("the same reminder twice", Duration::from_secs(1), |e| {
            matches!(e, ServerEvent::ShiftReminder { .. })
        })
        .await;
}

#[tokio::test]
async fn at_the_end_of_a_shift_a_counselor_who_chose_so_is_switched_off_with_shift_ended() {
    let (app, clock) = app_with_clock().await;
    clock.set_to(Timestamp::from_millis(MONDAY_14_00 + 30 * MINUTE));
    set_hours(&app, "suchtberatung", &["Mo 14:00-15:00"]).await;
    let (anna, mut events) = app.available("anna").await;
    until("the hours on the desk", async || {
        app.get("/api/me/shifts", &anna.token)
            .await
            .json::<Value>()
            .await
            .unwrap()["topics"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    })
    .await;
    let mine = cover(&app, &anna, "14:00", true).await;
    assert_eq!(mine["auto_switch_off"], true);

    clock.set_to(Timestamp::from_millis(MONDAY_14_00 + 60 * MINUTE - 1_000));

    // The notice comes with the switch-off, in either order.
    let (mut switched_off, mut told) = (false, false);
    while !(switched_off && told) {
        match events
            .expect("the switch-off with its reason and the notice", |e| {
                matches!(e, ServerEvent::AvailabilityChanged { availability, reason: Some(SwitchReason::ShiftEnded) } if !availability.switched_on)
                    || matches!(e, ServerEvent::ShiftReminder { notice: ShiftNotice::SwitchedOff, .. })
            })
            .await
        {
            ServerEvent::ShiftReminder { .. } => told = true,
            _ => switched_off = true,
        }
    }
    let me: Value = app.get("/api/me", &anna.token).await.json().await.unwrap();
    assert_eq!(me["availability"]["switched_on"], false);
    assert!(!app.gate_open(SUCHT).await);
}

#[tokio::test]
async fn at_the_seat_limit_chat_starten_is_refused_with_no_free_seat_and_new_requests_do_not_notify(
) {
    let app = spawn_app().await;
    let store = operator_store(&app).await;
    store
        .set_counselor_seats("bernd", Some(1), None)
        .await
        .unwrap();
    let (bernd, mut events) = app.available("bernd").await;
    until("the seat limit on the desk", async || {
        let me: Value = app.get("/api/me", &bernd.token).await.json().await.unwrap();
        me["availability"]["seats"][0]["limit"] == 1
    })
    .await;
    let first = app.enter(SUCHT).await;
    let response = app
        .post(
            &format!("/api/requests/{}/accept", first.request_id),
            &bernd.token,
            app.grant(&bernd).await,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    events
        .expect("no free seat left in the coverage", |e| {
            matches!(e, ServerEvent::CoverageChanged { coverage } if coverage.topic_id == SUCHT && coverage.free_seats == Some(0))
        })
        .await;

    let second = app.enter(SUCHT).await;
    events
        .expect("the new request, listed without a notification", |e| {
            matches!(e, ServerEvent::RequestCreated { notify: false, .. })
        })
        .await;
    let response = app
        .post(
            &format!("/api/requests/{}/accept", second.request_id),
            &bernd.token,
            app.grant(&bernd).await,
        )
        .await;

    assert_eq!(
        error_of(response, StatusCode::CONFLICT).await,
        ErrorCode::NoFreeSeat
    );
    let requests: Value = app
        .get("/api/requests", &bernd.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(requests["total"], 1, "still listed");
    assert!(app.gate_open(SUCHT).await, "the gate rule stays");
}

#[tokio::test]
async fn bad_hours_and_seats_are_refused_with_their_codes_and_nothing_is_stored() {
    let app = spawn_app().await;
    let store = operator_store(&app).await;
    let now = pforte_server::reception::now();
    let zone = Default::default();
    let attempt = |slots: &'static [&'static str], exceptions: &'static [&'static str]| {
        let store = &store;
        let zone = &zone;
        async move {
            let mut groups: Vec<String> = slots.iter().map(|s| s.to_string()).collect();
            groups.extend(exceptions.iter().map(|e| operator::exception_text(e)));
            operator::set_hours(
                store,
                &Actor::Cli,
                "suchtberatung",
                zone,
                &groups.join("\n"),
                "",
                now,
            )
            .await
            .unwrap_err()
            .to_string()
        }
    };

    let overlap = attempt(&["Mo 10:00-12:00", "Mo 11:00-13:00"], &[]).await;
    let inverted = attempt(&["Mo 12:00-10:00"], &[]).await;
    let past = attempt(&["Mo 10:00-12:00"], &["2020-12-24:closed"]).await;
    let zone_error = pforte_server::config::time_zone("Mars/Olympus_Mons").unwrap_err();
    let seats_error = pforte_domain::text::SeatLimit::parse_text("0")
        .unwrap_err()
        .code();

    assert!(overlap.starts_with("overlapping_slots:"), "{overlap}");
    assert!(inverted.starts_with("inverted_slot:"), "{inverted}");
    assert!(past.starts_with("exception_in_past:"), "{past}");
    assert!(zone_error.starts_with("unknown_time_zone:"), "{zone_error}");
    assert_eq!(seats_error, "seats_invalid");
    let topic = store
        .topics()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.slug == "suchtberatung")
        .unwrap();
    assert_eq!((topic.schedule, topic.seats), (None, None));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(public_topic(&app, "suchtberatung").await["next_opening"].is_null());
}

#[tokio::test]
async fn covering_a_slot_the_hours_do_not_have_is_refused_with_unknown_slot_and_nothing_changes() {
    let (app, clock) = app_with_clock().await;
    clock.set_to(Timestamp::from_millis(MONDAY_12_30));
    set_hours(&app, "suchtberatung", &["Mo 14:00-16:00"]).await;
    let anna = app.login("anna").await;
    until("the hours on the desk", async || {
        app.get("/api/me/shifts", &anna.token)
            .await
            .json::<Value>()
            .await
            .unwrap()["topics"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    })
    .await;

    let response = app
        .put(
            "/api/me/shifts",
            &anna.token,
            json!({
                "topics": [{"topic_id": SUCHT, "slots": [{"day": "tuesday", "start": "14:00"}]}],
                "auto_switch_off": true,
            }),
        )
        .await;
    assert_eq!(
        error_of(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        ErrorCode::UnknownSlot
    );
    let response = app
        .put(
            "/api/me/shifts",
            &anna.token,
            json!({"topics": [{"topic_id": NO_CHAT, "slots": []}], "auto_switch_off": false}),
        )
        .await;
    assert_eq!(
        error_of(response, StatusCode::FORBIDDEN).await,
        ErrorCode::NotYourTopic
    );

    let mine: Value = app
        .get("/api/me/shifts", &anna.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["auto_switch_off"], false);
    assert_eq!(mine["topics"][0]["slots"][0]["covered"], false);
}

#[tokio::test]
async fn the_weekly_plan_shows_who_covers_which_slot_and_the_gaps() {
    let (app, clock) = app_with_clock().await;
    clock.set_to(Timestamp::from_millis(MONDAY_12_30));
    set_hours(&app, "suchtberatung", &["Mo 10:00-12:00, 14:00-16:00"]).await;
    let anna = app.login("anna").await;
    until("the hours on the desk", async || {
        app.get("/api/me/shifts", &anna.token)
            .await
            .json::<Value>()
            .await
            .unwrap()["topics"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    })
    .await;
    cover(&app, &anna, "14:00", false).await;

    let plan: Value = app
        .get("/api/topics/suchtberatung/plan", &anna.token)
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(plan["monday"], "2027-06-14");
    assert_eq!(plan["gaps"], 1);
    let entries = plan["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["start"], "10:00");
    assert_eq!(entries[0]["counselors"], json!([]));
    assert_eq!(entries[1]["counselors"], json!(["anna"]));
    let clara = app.login("clara").await;
    let response = app
        .get("/api/topics/suchtberatung/plan", &clara.token)
        .await;
    assert_eq!(
        error_of(response, StatusCode::NOT_FOUND).await,
        ErrorCode::UnknownTopic
    );
}

#[tokio::test]
async fn the_hours_and_the_covered_slots_are_stored_in_the_database() {
    let (mut app, clock) = app_with_clock().await;
    clock.set_to(Timestamp::from_millis(MONDAY_12_30));
    set_hours(&app, "suchtberatung", &["Mo 14:00-16:00"]).await;
    let anna = app.login("anna").await;
    until("the hours on the desk", async || {
        app.get("/api/me/shifts", &anna.token)
            .await
            .json::<Value>()
            .await
            .unwrap()["topics"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    })
    .await;
    cover(&app, &anna, "14:00", true).await;
    app.stop().await;

    let store = operator_store(&app).await;
    let counselors = store.counselors().await.unwrap();
    let anna = counselors.iter().find(|c| c.name == "anna").unwrap();
    assert!(anna.auto_switch_off);
    assert_eq!(anna.shifts.len(), 1);
    let topic = store
        .topics()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.slug == "suchtberatung")
        .unwrap();
    assert_eq!(topic.schedule.unwrap().to_text(), "Mo 14:00-16:00");
}

#[tokio::test]
async fn the_waiting_asker_gets_no_estimate_without_history_and_a_range_once_enough_chats_began() {
    let app = spawn_app().await;
    let (bernd, _events) = app.available("bernd").await;
    let estimate_of = async |asker: &Asker| -> Value {
        let state: Value = app
            .get("/api/asker", &asker.token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(state["status"]["state"], "waiting", "{state}");
        state["status"]["estimate"].clone()
    };
    for round in 0..5 {
        let asker = app.enter(SUCHT).await;
        if round == 0 {
            assert!(
                estimate_of(&asker).await.is_null(),
                "no history: nothing made up"
            );
        }
        let response = app
            .post(
                &format!("/api/requests/{}/accept", asker.request_id),
                &bernd.token,
                app.grant(&bernd).await,
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let response = app
            .post(
                &format!("/api/conversations/{}/end", asker.request_id),
                &bernd.token,
                json!({}),
            )
            .await;
        assert!(response.status().is_success());
    }

    let asker = app.enter(SUCHT).await;
    let estimate = estimate_of(&asker).await;

    // Five chats began within moments of their askers entering.
    assert_eq!(estimate["min_minutes"], 0, "{estimate}");
    assert_eq!(estimate["max_minutes"], 1, "{estimate}");
    assert_eq!(estimate["text_de"], "bis zu 1 Minute");
    assert_eq!(estimate["text_en"], "up to 1 minute");
}
