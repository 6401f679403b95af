//! The operator console's REST side and socket: every endpoint, every refusal of a
//! non-operator, deactivation, the forced switch-off, the audit log and the live overview.

use std::time::Duration;

use pforte_server::store::Store;
use pforte_wire::{
    AuditPage, ErrorCode, OneTimePassword, Overview, ServerEvent, SessionEndReason, SwitchReason,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

async fn olga(app: &TestApp) -> Counselor {
    app.login("olga").await
}

async fn login_with(app: &TestApp, name: &str, password: &str) -> reqwest::Response {
    app.http
        .post(app.url("/api/auth/login"))
        .json(&json!({"name": name, "password": password}))
        .send()
        .await
        .unwrap()
}

fn assert_only_olga_was_created(page: &AuditPage) {
    assert_eq!(page.entries.len(), 1, "{:?}", page.entries);
    let entry = &page.entries[0];
    assert_eq!(
        (
            entry.actor.as_str(),
            entry.action.as_str(),
            entry.target.as_str()
        ),
        ("cli", "counselor_created", "olga")
    );
    assert_eq!(entry.after.as_ref().unwrap()["operator"], true);
}

async fn audit(app: &TestApp, token: &str) -> AuditPage {
    let response = app.get("/api/admin/audit", token).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test]
async fn every_admin_endpoint_refuses_a_counselor_who_is_not_an_operator_with_403_operator_only() {
    let app = spawn_console().await;
    let bernd = app.login("bernd").await;
    let calls: Vec<(&str, &str, Value)> = vec![
        ("GET", "/api/admin/topics", json!(null)),
        (
            "POST",
            "/api/admin/topics",
            json!({"slug": "neu", "name": "Neu", "live_chat": true}),
        ),
        (
            "PATCH",
            "/api/admin/topics/suchtberatung",
            json!({"name": "X"}),
        ),
        ("DELETE", "/api/admin/topics/go-on", json!(null)),
        ("GET", "/api/admin/counselors", json!(null)),
        (
            "POST",
            "/api/admin/counselors",
            json!({"login": "neu", "display_name": "Neu"}),
        ),
        (
            "PATCH",
            "/api/admin/counselors/anna",
            json!({"operator": true}),
        ),
        ("POST", "/api/admin/counselors/anna/deactivate", json!({})),
        ("POST", "/api/admin/counselors/anna/reactivate", json!({})),
        (
            "PATCH",
            "/api/admin/topics/suchtberatung",
            json!({"hours": {"text": "Mo 10:00-12:00", "note": ""}, "seats": {"limit": 1}}),
        ),
        (
            "PATCH",
            "/api/admin/counselors/anna",
            json!({"seats": {"limit": 1}}),
        ),
        (
            "POST",
            "/api/admin/counselors/anna/reset-password",
            json!({}),
        ),
        (
            "POST",
            "/api/admin/counselors/anna/switch-off",
            json!({"reason": "x"}),
        ),
        ("GET", "/api/admin/audit", json!(null)),
        ("GET", "/api/admin/overview", json!(null)),
    ];
    for (method, path, body) in &calls {
        let request = |token: Option<&str>| {
            let mut request = app.http.request(method.parse().unwrap(), app.url(path));
            if !body.is_null() {
                request = request.json(body);
            }
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request.send()
        };
        let refused = request(Some(&bernd.token)).await.unwrap();
        assert_eq!(
            error_of(refused, StatusCode::FORBIDDEN).await,
            ErrorCode::OperatorOnly,
            "{method} {path}"
        );
        let anonymous = request(None).await.unwrap();
        assert_eq!(
            error_of(anonymous, StatusCode::UNAUTHORIZED).await,
            ErrorCode::Unauthorized,
            "{method} {path}"
        );
    }
    // Nothing of it happened: the log holds only olga's account, made on the command line.
    let token = olga(&app).await.token;
    assert_only_olga_was_created(&audit(&app, &token).await);
    let me: Value = app.get("/api/me", &bernd.token).await.json().await.unwrap();
    assert_eq!(me["operator"], false);
    let me: Value = app.get("/api/me", &token).await.json().await.unwrap();
    assert_eq!(me["operator"], true);
}

#[tokio::test]
async fn an_operator_creates_renames_and_closes_a_topic_and_the_asker_side_sees_it_at_once() {
    let app = spawn_console().await;
    let olga = olga(&app).await;
    let created = app
        .post(
            "/api/admin/topics",
            &olga.token,
            json!({"slug": "trauerberatung", "name": "  Trauerberatung ", "live_chat": true}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["name"], "Trauerberatung");
    assert_eq!(created["open_chats"], 0);
    let public: Value = app
        .http
        .get(app.url("/api/topics/trauerberatung"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public["name"], "Trauerberatung");
    assert_eq!(public["gate_open"], false);

    let renamed = app
        .patch(
            "/api/admin/topics/trauerberatung",
            &olga.token,
            json!({"name": "Trauer und Verlust"}),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let public: Value = app
        .http
        .get(app.url("/api/topics/trauerberatung"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public["name"], "Trauer und Verlust");

    // Live chat off for Suchtberatung: its open gate closes at once.
    let (_bernd, _events) = app.available("bernd").await;
    assert!(app.gate_open(SUCHT).await);
    let off = app
        .patch(
            "/api/admin/topics/suchtberatung",
            &olga.token,
            json!({"live_chat": false}),
        )
        .await;
    assert_eq!(off.status(), StatusCode::OK);
    assert!(!app.gate_open(SUCHT).await);

    let listed: Value = app
        .get("/api/admin/topics", &olga.token)
        .await
        .json()
        .await
        .unwrap();
    let slugs: Vec<&str> = listed["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert!(slugs.contains(&"trauerberatung") && slugs.contains(&"suchtberatung"));
}

#[tokio::test]
async fn bad_input_in_every_field_is_refused_with_its_code_and_changes_nothing() {
    let app = spawn_console().await;
    let olga = olga(&app).await;
    let long_login = "x".repeat(5000);
    let topic_cases = [
        (
            json!({"slug": "ümlaut slug/?", "name": "Ok"}),
            ErrorCode::SlugInvalid,
        ),
        (json!({"slug": "a", "name": "Ok"}), ErrorCode::SlugTooShort),
        (
            json!({"slug": "a".repeat(65), "name": "Ok"}),
            ErrorCode::SlugTooLong,
        ),
        (json!({"slug": "gut", "name": "   "}), ErrorCode::NameEmpty),
        (
            json!({"slug": "gut", "name": "x".repeat(101)}),
            ErrorCode::NameTooLong,
        ),
        (
            json!({"slug": "gut", "name": "zwei\nZeilen"}),
            ErrorCode::NameInvalid,
        ),
    ];
    for (body, code) in topic_cases {
        let response = app
            .post("/api/admin/topics", &olga.token, body.clone())
            .await;
        assert_eq!(
            error_of(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            code,
            "{body}"
        );
    }
    let taken = app
        .post(
            "/api/admin/topics",
            &olga.token,
            json!({"slug": "suchtberatung", "name": "Noch eine"}),
        )
        .await;
    assert_eq!(
        error_of(taken, StatusCode::CONFLICT).await,
        ErrorCode::SlugTaken
    );
    let rename = app
        .patch(
            "/api/admin/topics/suchtberatung",
            &olga.token,
            json!({"name": ""}),
        )
        .await;
    assert_eq!(
        error_of(rename, StatusCode::UNPROCESSABLE_ENTITY).await,
        ErrorCode::NameEmpty
    );
    let unknown = app
        .patch(
            "/api/admin/topics/gibt-es-nicht",
            &olga.token,
            json!({"live_chat": true}),
        )
        .await;
    assert_eq!(
        error_of(unknown, StatusCode::NOT_FOUND).await,
        ErrorCode::UnknownTopic
    );

    let counselor_cases = [
        (
            json!({"login": long_login, "display_name": "Ok"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::LoginTooLong,
        ),
        (
            json!({"login": "", "display_name": "Ok"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::LoginEmpty,
        ),
        (
            json!({"login": "zwei worte", "display_name": "Ok"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::LoginInvalid,
        ),
        (
            json!({"login": "dora", "display_name": " "}),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::NameEmpty,
        ),
        (
            json!({"login": "dora", "display_name": "x".repeat(101)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::NameTooLong,
        ),
        (
            json!({"login": "dora", "display_name": "Dora", "topics": ["ümlaut slug/?"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::SlugInvalid,
        ),
        (
            json!({"login": "dora", "display_name": "Dora", "topics": ["gibt-es-nicht"]}),
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownTopic,
        ),
        (
            json!({"login": "anna", "display_name": "Anna 2"}),
            StatusCode::CONFLICT,
            ErrorCode::LoginTaken,
        ),
    ];
    for (body, status, code) in counselor_cases {
        let response = app
            .post("/api/admin/counselors", &olga.token, body.clone())
            .await;
        assert_eq!(error_of(response, status).await, code, "{body}");
    }
    for (body, code) in [
        (json!({"reason": " \u{200B} "}), ErrorCode::ReasonEmpty),
        (json!({"reason": "x".repeat(301)}), ErrorCode::ReasonTooLong),
    ] {
        let response = app
            .post("/api/admin/counselors/anna/switch-off", &olga.token, body)
            .await;
        assert_eq!(
            error_of(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            code
        );
    }
    let unknown = app
        .post(
            "/api/admin/counselors/niemand/switch-off",
            &olga.token,
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(
        error_of(unknown, StatusCode::NOT_FOUND).await,
        ErrorCode::UnknownCounselor
    );
    let topics = app
        .patch(
            "/api/admin/counselors/anna",
            &olga.token,
            json!({"topics": ["gibt-es-nicht"]}),
        )
        .await;
    assert_eq!(
        error_of(topics, StatusCode::NOT_FOUND).await,
        ErrorCode::UnknownTopic
    );
    // Nothing was created.
    let listed: Value = app
        .get("/api/admin/counselors", &olga.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["counselors"].as_array().unwrap().len(), 4);
    assert_only_olga_was_created(&audit(&app, &olga.token).await);
}

#[tokio::test]
async fn a_topic_is_deleted_only_while_no_request_waits_and_no_chat_runs_in_it() {
    let app = spawn_console().await;
    let olga = olga(&app).await;
    let (_bernd, _events) = app.available("bernd").await;
    let (_asker, _page) = app.waiting(SUCHT).await;
    let refused = app
        .delete("/api/admin/topics/suchtberatung", &olga.token)
        .await;
    assert_eq!(
        error_of(refused, StatusCode::CONFLICT).await,
        ErrorCode::TopicInUse
    );
    assert!(app.gate_open(SUCHT).await);

    let deleted = app.delete("/api/admin/topics/go-on", &olga.token).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = app
        .http
        .get(app.url("/api/topics/go-on"))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let again = app.delete("/api/admin/topics/go-on", &olga.token).await;
    assert_eq!(
        error_of(again, StatusCode::NOT_FOUND).await,
        ErrorCode::UnknownTopic
    );
    // The refused deletion left no entry: an entry is written with its change or not at all.
    let actions: Vec<(String, String)> = audit(&app, &olga.token)
        .await
        .entries
        .into_iter()
        .map(|e| (e.action, e.target))
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|(action, _)| action == "topic_deleted")
            .collect::<Vec<_>>(),
        [&("topic_deleted".to_owned(), "go-on".to_owned())],
        "{actions:?}"
    );
}

#[tokio::test]
async fn an_operator_sets_chat_hours_and_seat_limits_in_the_console_and_askers_and_counselors_see_them_at_once(
) {
    let app = spawn_console().await;
    let olga = olga(&app).await;
    let bernd = app.login("bernd").await;

    let changed = app
        .patch(
            "/api/admin/topics/suchtberatung",
            &olga.token,
            json!({
                "hours": {"text": "Mo-So 00:00-24:00\n2099-12-24 geschlossen", "note": "An Feiertagen geschlossen"},
                "seats": {"limit": 2},
                "embed_origins": ["https://www.beispiel-beratung.de"],
            }),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let topic: Value = changed.json().await.unwrap();
    // Written back in the syntax's own words (German or English is read).
    assert_eq!(topic["hours_text"], "Mo-So 00:00-24:00\n2099-12-24 closed");
    assert_eq!(topic["hours_note"], "An Feiertagen geschlossen");
    assert_eq!(topic["time_zone"], "Europe/Berlin");
    assert_eq!(topic["seats"], 2);
    assert_eq!(
        topic["embed_origins"],
        json!(["https://www.beispiel-beratung.de"])
    );

    // The asker side: the note and the slot running now (every hour of every day).
    let public: Value = app
        .http
        .get(app.url("/api/topics/suchtberatung"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public["hours_note"], "An Feiertagen geschlossen");
    assert!(public["current_slot"].is_object(), "{public}");
    // The counselor's desk: the seat limit of the topic.
    until("bernd's seat limit of 2 in the topic", async || {
        let me: Value = app.get("/api/me", &bernd.token).await.json().await.unwrap();
        me["availability"]["seats"]
            .as_array()
            .is_some_and(|seats| seats.iter().any(|s| s["limit"] == 2))
    })
    .await;

    let counselor = app
        .patch(
            "/api/admin/counselors/bernd",
            &olga.token,
            json!({"seats": {"limit": 1}}),
        )
        .await;
    assert_eq!(counselor.status(), StatusCode::OK);
    let counselor: Value = counselor.json().await.unwrap();
    assert_eq!(counselor["seats"], 1);
    until("bernd's own limit of 1 counts, the smaller", async || {
        let me: Value = app.get("/api/me", &bernd.token).await.json().await.unwrap();
        me["availability"]["seats"]
            .as_array()
            .is_some_and(|seats| seats.iter().any(|s| s["limit"] == 1))
    })
    .await;

    // Back to no limits and no hours.
    let cleared = app
        .patch(
            "/api/admin/topics/suchtberatung",
            &olga.token,
            json!({"hours": {"text": "", "note": ""}, "seats": {"limit": null}}),
        )
        .await;
    let cleared: Value = cleared.json().await.unwrap();
    assert_eq!(
        (&cleared["hours_text"], &cleared["seats"]),
        (&json!(""), &json!(null))
    );

    let entries = audit(&app, &olga.token).await.entries;
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        &actions[..6],
        [
            "topic_seats",
            "topic_hours",
            "counselor_seats",
            "topic_embed_origins",
            "topic_seats",
            "topic_hours",
        ],
        "newest first"
    );
    let hours = &entries[5];
    assert_eq!(hours.actor, "olga");
    assert_eq!(hours.before.as_ref().unwrap()["hours"], "");
    assert_eq!(
        hours.after.as_ref().unwrap()["hours"],
        "Mo-So 00:00-24:00\n2099-12-24 closed"
    );
    assert_eq!(entries[2].before.as_ref().unwrap()["seats"], json!(null));
    assert_eq!(entries[2].after.as_ref().unwrap()["seats"], 1);
}

#[tokio::test]
async fn bad_chat_hours_seats_and_websites_are_refused_with_their_codes_and_change_nothing() {
    let app = spawn_console().await;
    let olga = olga(&app).await;
    let topic_path = "/api/admin/topics/suchtberatung";
    let cases: Vec<(Value, ErrorCode)> = vec![
        (
            json!({"name": "Neu", "hours": {"text": "Mo 12:00-10:00"}}),
            ErrorCode::InvertedSlot,
        ),
        (
            json!({"name": "Neu", "hours": {"text": "Mo 10:00-12:00; Mo 11:00-13:00"}}),
            ErrorCode::OverlappingSlots,
        ),
        (
            json!({"hours": {"text": "Xy 10:00-12:00"}}),
            ErrorCode::UnknownWeekday,
        ),
        (
            json!({"hours": {"text": "10:00-12:00"}}),
            ErrorCode::MissingWeekday,
        ),
        (
            json!({"hours": {"text": "Mo 25:00-26:00"}}),
            ErrorCode::InvalidTime,
        ),
        (
            json!({"hours": {"text": "2020-12-24 geschlossen"}}),
            ErrorCode::ExceptionInPast,
        ),
        (
            json!({"hours": {"text": "2099-02-30 geschlossen"}}),
            ErrorCode::InvalidDate,
        ),
        (
            json!({"hours": {"text": "Mo 10:00-12:00", "note": "x".repeat(5000)}}),
            ErrorCode::NoteTooLong,
        ),
        (
            json!({"live_chat": false, "seats": {"limit": 0}}),
            ErrorCode::SeatsInvalid,
        ),
        (json!({"seats": {"limit": 1001}}), ErrorCode::SeatsInvalid),
        (
            json!({"name": "Neu", "embed_origins": ["http://www.beispiel.de"]}),
            ErrorCode::OriginNotHttps,
        ),
        (
            json!({"embed_origins": ["https://www.beispiel.de/kontakt"]}),
            ErrorCode::OriginHasPath,
        ),
        (
            json!({"embed_origins": ["https://*.beispiel.de"]}),
            ErrorCode::OriginWildcard,
        ),
        (
            json!({"embed_origins": ["beispiel"]}),
            ErrorCode::OriginInvalid,
        ),
    ];
    for (body, code) in cases {
        let refused = app.patch(topic_path, &olga.token, body.clone()).await;
        assert_eq!(
            error_of(refused, StatusCode::UNPROCESSABLE_ENTITY).await,
            code,
            "{body}"
        );
    }
    let refused = app
        .patch(
            "/api/admin/counselors/bernd",
            &olga.token,
            json!({"operator": true, "seats": {"limit": 0}}),
        )
        .await;
    assert_eq!(
        error_of(refused, StatusCode::UNPROCESSABLE_ENTITY).await,
        ErrorCode::SeatsInvalid
    );
    let refused = app
        .patch(
            "/api/admin/counselors/bernd",
            &olga.token,
            json!({"topics": ["nope"], "seats": {"limit": 2}}),
        )
        .await;
    assert_eq!(
        error_of(refused, StatusCode::NOT_FOUND).await,
        ErrorCode::UnknownTopic
    );

    // Nothing changed: no name, no live chat switched off, no limits, no hours.
    let topics: Value = app
        .get("/api/admin/topics", &olga.token)
        .await
        .json()
        .await
        .unwrap();
    let topic = topics["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["slug"] == "suchtberatung")
        .unwrap();
    assert_eq!(topic["name"], "Suchtberatung");
    assert_eq!(topic["live_chat"], true);
    assert_eq!(topic["seats"], json!(null));
    assert_eq!(topic["hours_text"], "");
    assert_eq!(topic["embed_origins"], json!([]));
    let counselors: Value = app
        .get("/api/admin/counselors", &olga.token)
        .await
        .json()
        .await
        .unwrap();
    let bernd = counselors["counselors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["login"] == "bernd")
        .unwrap();
    assert_eq!(
        (&bernd["operator"], &bernd["seats"]),
        (&json!(false), &json!(null))
    );
    assert_eq!(bernd["topics"], json!(["suchtberatung"]));
    assert_only_olga_was_created(&audit(&app, &olga.token).await);
}

#[tokio::test]
async fn a_reactivated_counselor_logs_in_again_with_their_password_and_the_audit_says_so() {
    let app = spawn_console().await;
    let olga = olga(&app).await;
    let deactivated = app
        .post(
            "/api/admin/counselors/bernd/deactivate",
            &olga.token,
            json!({}),
        )
        .await;
    assert_eq!(deactivated.status(), StatusCode::OK);
    assert_eq!(
        error_of(
            login_with(&app, "bernd", "bernd-password").await,
            StatusCode::UNAUTHORIZED
        )
        .await,
        ErrorCode::InvalidCredentials
    );

    let reactivated = app
        .post(
            "/api/admin/counselors/bernd/reactivate",
            &olga.token,
            json!({}),
        )
        .await;
    assert_eq!(reactivated.status(), StatusCode::OK);
    let body: Value = reactivated.json().await.unwrap();
    assert_eq!(
        (&body["deactivated"], &body["available"]),
        (&json!(false), &json!(false))
    );
    assert_eq!(
        login_with(&app, "bernd", "bernd-password").await.status(),
        StatusCode::OK
    );
    let (_bernd, _events) = app.available("bernd").await;
    assert!(app.gate_open(SUCHT).await);

    let entries = audit(&app, &olga.token).await.entries;
    assert_eq!(entries[0].action, "counselor_reactivated");
    assert_eq!(entries[0].before.as_ref().unwrap()["deactivated"], true);
    assert_eq!(entries[0].after.as_ref().unwrap()["deactivated"], false);
    // Reactivating an active account changes nothing and records nothing.
    let again = app
        .post(
            "/api/admin/counselors/bernd/reactivate",
            &olga.token,
            json!({}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(audit(&app, &olga.token).await.entries.len(), entries.len());
    let unknown = app
        .post(
            "/api/admin/counselors/nobody/reactivate",
            &olga.token,
            json!({}),
        )
        .await;
    assert_eq!(
        error_of(unknown, StatusCode::NOT_FOUND).await,
        ErrorCode::UnknownCounselor
    );
}

#[tokio::test]
async fn a_new_counselor_logs_in_with_the_one_time_password_must_set_a_new_one_and_then_switches_on(
) {
    let app = spawn_console().await;
    let olga = olga(&app).await;
    let created = app
        .post(
            "/api/admin/counselors",
            &olga.token,
            json!({"login": "dora", "display_name": "Dora Dietz", "topics": ["suchtberatung"]}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: OneTimePassword = created.json().await.unwrap();
    assert!(created.counselor.must_change_password);
    assert!(created.one_time_password.len() >= 12);

    let logged_in = login_with(&app, "dora", &created.one_time_password).await;
    assert_eq!(logged_in.status(), StatusCode::OK);
    let logged_in: Value = logged_in.json().await.unwrap();
    assert_eq!(logged_in["must_change_password"], true);
    assert_eq!(logged_in["me"]["must_change_password"], true);
    let token = logged_in["token"].as_str().unwrap().to_owned();
    // Until it is replaced, the session may do nothing else: the server decides, not the page.
    let switch = app
        .put("/api/me/availability", &token, json!({"on": true}))
        .await;
    assert_eq!(
        error_of(switch, StatusCode::FORBIDDEN).await,
        ErrorCode::PasswordChangeRequired
    );
    let requests = app.get("/api/requests", &token).await;
    assert_eq!(
        error_of(requests, StatusCode::FORBIDDEN).await,
        ErrorCode::PasswordChangeRequired
    );

    let wrong = app
        .put(
            "/api/me/password",
            &token,
            json!({"current_password": "falsch-falsch", "new_password": "dora-neu-2026"}),
        )
        .await;
    assert_eq!(
        error_of(wrong, StatusCode::FORBIDDEN).await,
        ErrorCode::WrongPassword
    );
    let short = app
        .put(
            "/api/me/password",
            &token,
            json!({"current_password": created.one_time_password, "new_password": "kurz"}),
        )
        .await;
    assert_eq!(
        error_of(short, StatusCode::UNPROCESSABLE_ENTITY).await,
        ErrorCode::PasswordTooShort
    );
    let changed = app
        .put(
            "/api/me/password",
            &token,
            json!({"current_password": created.one_time_password, "new_password": "dora-neu-2026"}),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    let me: Value = app.get("/api/me", &token).await.json().await.unwrap();
    assert_eq!(me["must_change_password"], false);
    let old = login_with(&app, "dora", &created.one_time_password).await;
    assert_eq!(
        error_of(old, StatusCode::UNAUTHORIZED).await,
        ErrorCode::InvalidCredentials
    );
    let new = login_with(&app, "dora", "dora-neu-2026").await;
    assert_eq!(new.status(), StatusCode::OK);

    let device = app.add_device(&token).await;
    let dora = Counselor { token, device };
    let _events = app.connect_counselor(&dora).await;
    app.switch(&dora, true).await;
    assert!(app.gate_open(SUCHT).await);
}

#[tokio::test]
async fn a_reset_password_is_a_one_time_password_and_the_old_one_stops_working() {
    let app = spawn_console().await;
    let olga = olga(&app).await;
    let reset = app
        .post(
            "/api/admin/counselors/bernd/reset-password",
            &olga.token,
            json!({}),
        )
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    let reset: OneTimePassword = reset.json().await.unwrap();
    assert!(reset.counselor.must_change_password);
    let old = login_with(&app, "bernd", "bernd-password").await;
    assert_eq!(
        error_of(old, StatusCode::UNAUTHORIZED).await,
        ErrorCode::InvalidCredentials
    );
    let new = login_with(&app, "bernd", &reset.one_time_password).await;
    let new: Value = new.json().await.unwrap();
    assert_eq!(new["must_change_password"], true);
    let entries = audit(&app, &olga.token).await.entries;
    assert_eq!(entries[0].action, "password_reset");
    assert_eq!(entries[0].actor, "olga");
    let text = serde_json::to_string(&entries).unwrap();
    assert!(!text.contains(&reset.one_time_password), "{text}");
}

#[tokio::test]
async fn a_deactivated_counselor_is_switched_off_their_sockets_end_and_their_token_is_refused_at_once(
) {
    let app = spawn_console().await;
    let olga = olga(&app).await;
    let (bernd, mut desktop) = app.available("bernd").await;
    let browser = app.login("bernd").await;
    let mut browser_events = app.connect_counselor(&browser).await;
    assert!(app.gate_open(SUCHT).await);

    let deactivated = app
        .post(
            "/api/admin/counselors/bernd/deactivate",
            &olga.token,
            json!({}),
        )
        .await;
    assert_eq!(deactivated.status(), StatusCode::OK);
    let body: Value = deactivated.json().await.unwrap();
    assert_eq!(body["deactivated"], true);
    assert_eq!(body["available"], false);
    assert!(!app.gate_open(SUCHT).await);
    for events in [&mut desktop, &mut browser_events] {
        events
            .expect("the session ended: deactivated", |e| {
                matches!(
                    e,
                    ServerEvent::SessionEnded {
                        reason: SessionEndReason::Deactivated
                    }
                )
            })
            .await;
        assert_eq!(events.closed_with().await, Some(4401));
    }
    for token in [&bernd.token, &browser.token] {
        let me = app.get("/api/me", token).await;
        assert_eq!(
            error_of(me, StatusCode::UNAUTHORIZED).await,
            ErrorCode::Unauthorized
        );
    }
    let login = login_with(&app, "bernd", "bernd-password").await;
    assert_eq!(
        error_of(login, StatusCode::UNAUTHORIZED).await,
        ErrorCode::InvalidCredentials
    );
    let entries = audit(&app, &olga.token).await.entries;
    assert_eq!(entries[0].action, "counselor_deactivated");
    assert_eq!(entries[0].after.as_ref().unwrap()["deactivated"], true);
}

#[tokio::test]
async fn the_forced_switch_off_reaches_every_device_of_the_counselor_with_its_reason() {
    let app = spawn_console().await;
    let olga = olga(&app).await;
    let (_anna, mut desktop) = app.available("anna").await;
    let phone_login = app.login("anna").await;
    let mut phone = app.connect_counselor(&phone_login).await;
    assert!(app.gate_open(SCHWANGER).await);

    let response = app
        .post(
            "/api/admin/counselors/anna/switch-off",
            &olga.token,
            json!({"reason": " Schicht ist vorbei – bitte abmelden "}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for device in [&mut desktop, &mut phone] {
        device
            .expect("the operator's reason", |e| {
                matches!(e, ServerEvent::SwitchedOffByOperator { reason } if reason == "Schicht ist vorbei – bitte abmelden")
            })
            .await;
        device
            .expect("off, by the operator", |e| {
                matches!(e, ServerEvent::AvailabilityChanged { availability, reason: Some(SwitchReason::Operator) } if !availability.switched_on)
            })
            .await;
    }
    assert!(!app.gate_open(SCHWANGER).await);
    let entries = audit(&app, &olga.token).await.entries;
    assert_eq!(entries[0].action, "counselor_switched_off");
    assert_eq!(entries[0].target, "anna");
    assert_eq!(
        entries[0].after.as_ref().unwrap()["reason"],
        "Schicht ist vorbei – bitte abmelden"
    );
}

#[tokio::test]
async fn the_audit_log_records_who_did_what_before_and_after_newest_first_in_pages() {
    let app = spawn_console().await;
    let olga = olga(&app).await;
    app.post(
        "/api/admin/topics",
        &olga.token,
        json!({"slug": "neu", "name": "Neu"}),
    )
    .await;
    app.patch(
        "/api/admin/topics/neu",
        &olga.token,
        json!({"name": "Ganz neu", "live_chat": true}),
    )
    .await;
    app.patch(
        "/api/admin/counselors/clara",
        &olga.token,
        json!({"topics": ["neu", "suchtberatung"], "operator": true}),
    )
    .await;
    let entries = audit(&app, &olga.token).await.entries;
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "counselor_operator",
            "counselor_topics",
            "topic_live_chat",
            "topic_renamed",
            "topic_created",
            "counselor_created"
        ]
    );
    assert!(entries[..5].iter().all(|e| e.actor == "olga"));
    assert_eq!(entries[5].actor, "cli");
    let renamed = &entries[3];
    assert_eq!(renamed.before.as_ref().unwrap()["name"], "Neu");
    assert_eq!(renamed.after.as_ref().unwrap()["name"], "Ganz neu");
    let topics = &entries[1];
    assert_eq!(
        topics.after.as_ref().unwrap()["topics"],
        json!(["neu", "suchtberatung"])
    );

    let first: AuditPage = app
        .get("/api/admin/audit?limit=2", &olga.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first.entries.len(), 2);
    let next = first.next_before.unwrap();
    let second: AuditPage = app
        .get(
            &format!("/api/admin/audit?limit=2&before={next}"),
            &olga.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second.entries[0].action, "topic_live_chat");
    let bad = app.get("/api/admin/audit?limit=zwei", &olga.token).await;
    assert_eq!(
        error_of(bad, StatusCode::BAD_REQUEST).await,
        ErrorCode::InvalidParameter
    );

    // Clara is an operator now, at once.
    let clara = app.login("clara").await;
    let allowed = app.get("/api/admin/topics", &clara.token).await;
    assert_eq!(allowed.status(), StatusCode::OK);
    app.patch(
        "/api/admin/counselors/clara",
        &olga.token,
        json!({"operator": false}),
    )
    .await;
    let refused = app.get("/api/admin/topics", &clara.token).await;
    assert_eq!(
        error_of(refused, StatusCode::FORBIDDEN).await,
        ErrorCode::OperatorOnly
    );
}

#[tokio::test]
async fn old_audit_entries_are_purged_after_the_audit_retention() {
    let app = spawn_app_with(|s| s.audit_retention = Duration::from_secs(2)).await;
    let store = pforte_server::store::sql::SqlStore::open(&app.database.url)
        .await
        .unwrap();
    use pforte_server::store::Store;
    store
        .add_audit(&pforte_server::store::AuditDraft {
            at: pforte_domain::Timestamp::from_millis(0),
            actor: pforte_server::store::Actor::Cli,
            action: "topic_created",
            target: "alt".into(),
            before: None,
            after: None,
        })
        .await
        .unwrap();
    assert_eq!(app.count_rows("audit_log").await, 1);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while app.count_rows("audit_log").await > 0 {
        assert!(tokio::time::Instant::now() < deadline, "the entry stayed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_overview_socket_receives_names_and_counts_but_never_content_or_pseudonyms() {
    let app = spawn_console().await;
    let olga = olga(&app).await;
    let mut console = app.connect_counselor(&olga).await;
    let first = console
        .expect("the overview after ready", |e| {
            matches!(e, ServerEvent::OverviewChanged { .. })
        })
        .await;
    let ServerEvent::OverviewChanged { overview } = first else {
        unreachable!()
    };
    assert!(overview
        .topics
        .iter()
        .all(|t| t.waiting == 0 && t.available_counselors.is_empty()));

    let (bernd, mut bernd_events) = app.available("bernd").await;
    console
        .expect("bernd available in Suchtberatung", |e| {
            matches!(e, ServerEvent::OverviewChanged { overview } if topic(overview, SUCHT).available_counselors == ["bernd"])
        })
        .await;
    let (asker, mut page) = app.waiting(SUCHT).await;
    let (_second, _page2) = app.waiting(SUCHT).await;
    let seen = console
        .expect("two waiting", |e| {
            matches!(e, ServerEvent::OverviewChanged { overview } if topic(overview, SUCHT).waiting == 2)
        })
        .await;
    let ServerEvent::OverviewChanged { overview } = &seen else {
        unreachable!()
    };
    assert!(topic(overview, SUCHT).oldest_waiting_since.is_some());

    let accepted = app
        .post(
            &format!("/api/requests/{}/accept", asker.request_id),
            &bernd.token,
            app.grant(&bernd).await,
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    page.expect("accepted", |e| {
        matches!(e, ServerEvent::ChatAccepted { .. })
    })
    .await;
    let sent = app
        .post(
            "/api/asker/messages",
            &asker.token,
            asker_says("Geheimer Inhalt 4711"),
        )
        .await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    bernd_events
        .expect("the message", |e| {
            matches!(e, ServerEvent::MessagePosted { .. })
        })
        .await;
    let running = console
        .expect("one chat running, one waiting", |e| {
            matches!(e, ServerEvent::OverviewChanged { overview } if topic(overview, SUCHT).running_chats == 1 && topic(overview, SUCHT).waiting == 1)
        })
        .await;
    let pseudonyms: Vec<String> = app
        .get("/api/conversations", &bernd.token)
        .await
        .json::<Value>()
        .await
        .unwrap()["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["pseudonym"].as_str().unwrap().to_owned())
        .collect();
    let over_rest: Overview = app
        .get("/api/admin/overview", &olga.token)
        .await
        .json()
        .await
        .unwrap();
    for text in [
        serde_json::to_string(&running).unwrap(),
        serde_json::to_string(&over_rest).unwrap(),
    ] {
        assert!(!text.contains("Geheimer Inhalt"), "{text}");
        for pseudonym in &pseudonyms {
            assert!(!text.contains(pseudonym.as_str()), "{text}");
        }
        assert!(!text.contains(&asker.request_id), "{text}");
    }
    // A counselor who is not an operator never gets the overview.
    bernd_events
        .expect_none("an overview", Duration::from_millis(300), |e| {
            matches!(e, ServerEvent::OverviewChanged { .. })
        })
        .await;
}

fn topic(overview: &Overview, id: i64) -> &pforte_wire::TopicOverview {
    overview
        .topics
        .iter()
        .find(|t| t.topic_id == id)
        .expect("the topic is in the overview")
}

#[tokio::test]
async fn the_overview_counts_the_free_seats_of_a_topic_whose_counselors_have_a_limit() {
    let app = spawn_console().await;
    let olga = olga(&app).await;
    let mut console = app.connect_counselor(&olga).await;
    let store = pforte_server::store::sql::SqlStore::open(&app.database.url)
        .await
        .unwrap();
    store
        .set_counselor_seats("bernd", Some(2), None)
        .await
        .unwrap();
    let (bernd, _bernd_events) = app.available("bernd").await;
    console
        .expect("two free seats with bernd available", |e| {
            matches!(e, ServerEvent::OverviewChanged { overview } if topic(overview, SUCHT).free_seats == Some(2))
        })
        .await;
    let asker = app.enter(SUCHT).await;
    let accepted = app
        .post(
            &format!("/api/requests/{}/accept", asker.request_id),
            &bernd.token,
            app.grant(&bernd).await,
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    console
        .expect("one free seat with one chat running", |e| {
            matches!(e, ServerEvent::OverviewChanged { overview } if topic(overview, SUCHT).free_seats == Some(1) && topic(overview, SUCHT).running_chats == 1)
        })
        .await;
}
