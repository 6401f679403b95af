//! End-to-end keys over the API: devices ("Meine Geräte"), the content key wrapped at the
//! accept for the asker and every device of the counselor, and who may read which copy.

use pforte_wire::{ChatKeys, DeviceList, ErrorCode, ServerEvent};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

async fn devices(app: &TestApp, counselor: &Counselor) -> DeviceList {
    app.get("/api/me/devices", &counselor.token)
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_device_is_listed_once_per_public_key_and_is_gone_after_removal() {
    let app = spawn_app().await;
    let bernd = app.login("bernd").await;
    // Another browser: its own login adds its own key.
    let other: Value = app
        .http
        .post(app.url("/api/auth/login"))
        .json(&json!({"name": "bernd", "password": "bernd-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let other = other["token"].as_str().unwrap().to_owned();
    let key = sealed::public_key();
    let body = json!({"name": "Chromium unter Linux", "public_key": key});
    let first = app.post("/api/me/devices", &other, body.clone()).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = app.post("/api/me/devices", &other, body).await;
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "the same key is the same device"
    );
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);

    let listed = devices(&app, &bernd).await;
    assert_eq!(
        listed.devices.len(),
        2,
        "the login's own device and this one"
    );
    let added = listed
        .devices
        .iter()
        .find(|d| d.public_key == key)
        .expect("listed");
    assert_eq!(added.name, "Chromium unter Linux");

    // Another counselor neither sees nor removes it.
    let anna = app.login("anna").await;
    assert!(devices(&app, &anna)
        .await
        .devices
        .iter()
        .all(|d| d.public_key != key));
    let path = format!("/api/me/devices/{}", added.id);
    let foreign = app.delete(&path, &anna.token).await;
    assert_eq!(
        error_of(foreign, StatusCode::NOT_FOUND).await,
        ErrorCode::NotFound
    );

    let removed = app.delete(&path, &bernd.token).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert!(devices(&app, &bernd)
        .await
        .devices
        .iter()
        .all(|d| d.public_key != key));
    let twice = app.delete(&path, &bernd.token).await;
    assert_eq!(
        error_of(twice, StatusCode::NOT_FOUND).await,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn a_device_needs_a_key_of_the_format_a_name_and_a_free_place_among_twenty() {
    let app = spawn_app().await;
    let bernd = app.login("bernd").await;
    for (body, code) in [
        (
            json!({"name": "Laptop", "public_key": "kein Schlüssel"}),
            ErrorCode::KeyInvalid,
        ),
        (
            json!({"name": "  ", "public_key": sealed::public_key()}),
            ErrorCode::DeviceNameInvalid,
        ),
        (
            json!({"name": "x".repeat(65), "public_key": sealed::public_key()}),
            ErrorCode::DeviceNameInvalid,
        ),
    ] {
        let answer = app.post("/api/me/devices", &bernd.token, body).await;
        assert_eq!(
            error_of(answer, StatusCode::UNPROCESSABLE_ENTITY).await,
            code
        );
    }
    for _ in 1..20 {
        app.add_device(&bernd.token).await;
    }
    let one_too_many = app
        .post(
            "/api/me/devices",
            &bernd.token,
            json!({"name": "Nummer 21", "public_key": sealed::public_key()}),
        )
        .await;
    assert_eq!(
        error_of(one_too_many, StatusCode::CONFLICT).await,
        ErrorCode::TooManyDevices
    );
}

#[tokio::test]
async fn an_asker_enters_only_with_a_public_key_of_the_format() {
    let app = spawn_app().await;
    let (_bernd, _events) = app.available("bernd").await;
    for key in [json!("abc"), json!(null)] {
        let answer = app
            .http
            .post(app.url("/api/waiting-room"))
            .json(&json!({"topic_id": SUCHT, "consent": true, "public_key": key}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY, "{key}");
    }
    assert_eq!(app.count_rows("chats").await, 0, "nothing was created");
}

#[tokio::test]
async fn the_accept_must_wrap_the_chat_key_for_the_asker_and_exactly_the_counselors_devices() {
    let app = spawn_app().await;
    let (bernd, _events) = app.available("bernd").await;
    let (asker, _asker_events) = app.waiting(SUCHT).await;
    let path = format!("/api/requests/{}/accept", asker.request_id);
    let requests: Value = app
        .get("/api/requests", &bernd.token)
        .await
        .json()
        .await
        .unwrap();
    let asker_key = requests["requests"][0]["asker_key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!asker_key.is_empty(), "the list carries the asker's key");

    // A second device of bernd's appears: wrapping for the first one only is refused.
    let second = app.add_device(&bernd.token).await;
    let stale = app
        .post(
            &path,
            &bernd.token,
            sealed::grant(std::slice::from_ref(&bernd.device)),
        )
        .await;
    assert_eq!(
        error_of(stale, StatusCode::CONFLICT).await,
        ErrorCode::DevicesChanged
    );
    // The desk would have let bernd win; the grant did not fit, so nothing was taken.
    let still: Value = app
        .get("/api/requests", &bernd.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        still["requests"][0]["id"].as_str(),
        Some(asker.request_id.as_str()),
        "the request still waits after an accept refused for its keys"
    );
    let twice = sealed::grant(&[bernd.device.clone(), bernd.device.clone(), second.clone()]);
    let twice = app.post(&path, &bernd.token, twice).await;
    assert_eq!(
        error_of(twice, StatusCode::CONFLICT).await,
        ErrorCode::DevicesChanged
    );
    let mut broken = sealed::grant(&[bernd.device.clone(), second.clone()]);
    broken["keys"]["asker"] = json!("zu kurz");
    let broken = app.post(&path, &bernd.token, broken).await;
    assert_eq!(
        error_of(broken, StatusCode::UNPROCESSABLE_ENTITY).await,
        ErrorCode::KeyInvalid
    );
    let none = app.post(&path, &bernd.token, json!({})).await;
    assert_eq!(none.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let waiting: ChatKeys = app
        .get("/api/asker/keys", &asker.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        waiting.keys.is_empty(),
        "no key before a counselor accepted"
    );
    assert_eq!(waiting.asker_key, asker_key);

    let grant = sealed::grant(&[bernd.device.clone(), second.clone()]);
    let accepted = app.post(&path, &bernd.token, grant.clone()).await;
    assert_eq!(accepted.status(), StatusCode::OK);

    // Each reader gets its own copy; the readers are listed for the security code.
    let for_asker: ChatKeys = app
        .get("/api/asker/keys", &asker.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(for_asker.keys.len(), 1);
    assert_eq!(for_asker.keys[0].key, 1);
    assert_eq!(
        for_asker.keys[0].wrapped.as_deref(),
        grant["keys"]["asker"].as_str()
    );
    let mut readers: Vec<String> = for_asker.keys[0]
        .readers
        .iter()
        .map(|r| r.device.to_string())
        .collect();
    readers.sort();
    let mut expected = vec![bernd.device.clone(), second.clone()];
    expected.sort();
    assert_eq!(readers, expected);
    let own_keys = devices(&app, &bernd).await;
    for reader in &for_asker.keys[0].readers {
        let device = own_keys
            .devices
            .iter()
            .find(|d| d.id == reader.device)
            .unwrap();
        assert_eq!(reader.public_key, device.public_key);
    }
    let keys_path = format!("/api/conversations/{}/keys", asker.request_id);
    for (i, device) in [&bernd.device, &second].into_iter().enumerate() {
        let mine: ChatKeys = app
            .get(&format!("{keys_path}?device={device}"), &bernd.token)
            .await
            .json()
            .await
            .unwrap();
        let given = grant["keys"]["devices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["device"] == device.as_str())
            .unwrap();
        assert_eq!(
            mine.keys[0].wrapped.as_deref(),
            given["wrapped"].as_str(),
            "device {i}"
        );
        assert_eq!(mine.asker_key, asker_key);
    }

    // Someone else's device and someone else's chat are not readable.
    let anna = app.login("anna").await;
    let foreign = app
        .get(&format!("{keys_path}?device={}", anna.device), &bernd.token)
        .await;
    assert_eq!(
        error_of(foreign, StatusCode::FORBIDDEN).await,
        ErrorCode::UnknownDevice
    );
    let not_hers = app
        .get(&format!("{keys_path}?device={}", anna.device), &anna.token)
        .await;
    assert_eq!(
        error_of(not_hers, StatusCode::NOT_FOUND).await,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn a_removed_device_can_neither_send_nor_fetch_the_chat_key() {
    let app = spawn_app().await;
    let (bernd, _events) = app.available("bernd").await;
    let office = app.login("bernd").await;
    let (asker, _asker_events) = app.waiting(SUCHT).await;
    let accepted = app
        .post(
            &format!("/api/requests/{}/accept", asker.request_id),
            &bernd.token,
            app.grant(&bernd).await,
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let messages = format!("/api/conversations/{}/messages", asker.request_id);
    let before = app
        .post(&messages, &office.token, office.says("Hallo"))
        .await;
    assert_eq!(before.status(), StatusCode::CREATED);

    let removed = app
        .delete(&format!("/api/me/devices/{}", office.device), &bernd.token)
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    // Its login there ended; logged in again, it is a device without the chat's key.
    let after = app
        .post(&messages, &office.token, office.says("Noch da?"))
        .await;
    assert_eq!(
        error_of(after, StatusCode::UNAUTHORIZED).await,
        ErrorCode::Unauthorized
    );
    let again = app.login("bernd").await;
    let with_old_device = app
        .post(&messages, &again.token, office.says("Noch da?"))
        .await;
    assert_eq!(
        error_of(with_old_device, StatusCode::FORBIDDEN).await,
        ErrorCode::UnknownDevice
    );
    let keys = app
        .get(
            &format!(
                "/api/conversations/{}/keys?device={}",
                asker.request_id, office.device
            ),
            &again.token,
        )
        .await;
    assert_eq!(
        error_of(keys, StatusCode::FORBIDDEN).await,
        ErrorCode::UnknownDevice
    );
    let fresh = keys_of(&app, &again, &asker.request_id, &again.device).await;
    assert_eq!(
        fresh.keys[0].wrapped, None,
        "the new device holds no key of the chat"
    );
    // The chat itself goes on for the asker and the remaining device.
    let asker_message = app
        .post("/api/asker/messages", &asker.token, asker_says("Hallo?"))
        .await;
    assert_eq!(asker_message.status(), StatusCode::CREATED);
    let answer = app.post(&messages, &bernd.token, bernd.says("Ja.")).await;
    assert_eq!(answer.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn two_devices_of_a_counselor_accepting_at_once_leave_every_reader_the_same_key() {
    let app = spawn_app().await;
    let (bernd, _events) = app.available("bernd").await;
    let second = app.add_device(&bernd.token).await;
    let devices = [bernd.device.clone(), second.clone()];
    for _ in 0..5 {
        let (asker, _asker_events) = app.waiting(SUCHT).await;
        let path = format!("/api/requests/{}/accept", asker.request_id);
        // Each device makes its own content key and wraps it.
        let grants = [sealed::grant(&devices), sealed::grant(&devices)];
        let answers = futures_util::future::join_all(
            grants
                .iter()
                .map(|g| app.post(&path, &bernd.token, g.clone())),
        )
        .await;
        let statuses: Vec<StatusCode> = answers.iter().map(|a| a.status()).collect();
        assert!(statuses.contains(&StatusCode::OK), "{statuses:?}");

        let asker_copy: ChatKeys = app
            .get("/api/asker/keys", &asker.token)
            .await
            .json()
            .await
            .unwrap();
        let asker_copy = asker_copy.keys[0].wrapped.clone().unwrap();
        let kept = grants
            .iter()
            .find(|g| g["keys"]["asker"] == asker_copy.as_str())
            .expect("the asker's copy is one of the grants");
        for device in &devices {
            let mine: ChatKeys = app
                .get(
                    &format!(
                        "/api/conversations/{}/keys?device={device}",
                        asker.request_id
                    ),
                    &bernd.token,
                )
                .await
                .json()
                .await
                .unwrap();
            let expected = kept["keys"]["devices"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["device"] == device.as_str())
                .unwrap();
            assert_eq!(
                mine.keys[0].wrapped.as_deref(),
                expected["wrapped"].as_str(),
                "the device holds the key of the same grant as the asker"
            );
        }
        let ended = app
            .post(
                &format!("/api/conversations/{}/end", asker.request_id),
                &bernd.token,
                json!({}),
            )
            .await;
        assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    }
}

#[tokio::test]
async fn devices_added_at_the_same_moment_are_all_added_and_the_limit_still_holds() {
    let app = spawn_app().await;
    let bernd = app.login("bernd").await;
    let add = || {
        app.post(
            "/api/me/devices",
            &bernd.token,
            json!({"name": "Gleichzeitig", "public_key": sealed::public_key()}),
        )
    };
    let answers = futures_util::future::join_all((0..10).map(|_| add())).await;
    for answer in answers {
        assert_eq!(answer.status(), StatusCode::CREATED);
    }
    assert_eq!(devices(&app, &bernd).await.devices.len(), 11);
    let answers = futures_util::future::join_all((0..15).map(|_| add())).await;
    let statuses: Vec<StatusCode> = answers.iter().map(|a| a.status()).collect();
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        9,
        "{statuses:?}"
    );
    assert!(statuses
        .iter()
        .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT));
    assert_eq!(devices(&app, &bernd).await.devices.len(), 20);
}

async fn keys_of(app: &TestApp, counselor: &Counselor, chat: &str, device: &str) -> ChatKeys {
    app.get(
        &format!("/api/conversations/{chat}/keys?device={device}"),
        &counselor.token,
    )
    .await
    .json()
    .await
    .unwrap()
}

#[tokio::test]
async fn after_a_removal_a_new_key_is_wrapped_for_the_asker_and_the_remaining_devices_only() {
    let app = spawn_app().await;
    let (bernd, _events) = app.available("bernd").await;
    let second = app.login("bernd").await.device;
    let (asker, _asker_events) = app.waiting(SUCHT).await;
    let chat = asker.request_id.clone();
    let accepted = app
        .post(
            &format!("/api/requests/{chat}/accept"),
            &bernd.token,
            app.grant(&bernd).await,
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let removed = app
        .delete(&format!("/api/me/devices/{second}"), &bernd.token)
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);

    let path = format!("/api/conversations/{chat}/keys");
    let new_key = |key: u32, devices: &[String]| {
        let mut body = sealed::grant(devices)["keys"].clone();
        body["key"] = json!(key);
        body
    };
    // Still wrapped for the removed device, or skipping a number: refused.
    let stale = app
        .post(
            &path,
            &bernd.token,
            new_key(2, &[bernd.device.clone(), second.clone()]),
        )
        .await;
    assert_eq!(
        error_of(stale, StatusCode::CONFLICT).await,
        ErrorCode::DevicesChanged
    );
    let skipping = app
        .post(
            &path,
            &bernd.token,
            new_key(3, std::slice::from_ref(&bernd.device)),
        )
        .await;
    assert_eq!(
        error_of(skipping, StatusCode::CONFLICT).await,
        ErrorCode::KeyOutdated
    );
    let body = new_key(2, std::slice::from_ref(&bernd.device));
    let made = app.post(&path, &bernd.token, body.clone()).await;
    assert_eq!(made.status(), StatusCode::NO_CONTENT);
    let again = app
        .post(
            &path,
            &bernd.token,
            new_key(2, std::slice::from_ref(&bernd.device)),
        )
        .await;
    assert_eq!(
        error_of(again, StatusCode::CONFLICT).await,
        ErrorCode::KeyOutdated,
        "a second key 2 (another device at the same moment) is refused"
    );

    let for_asker: ChatKeys = app
        .get("/api/asker/keys", &asker.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(for_asker.keys.len(), 2);
    assert_eq!(for_asker.keys[1].key, 2);
    assert_eq!(for_asker.keys[1].wrapped.as_deref(), body["asker"].as_str());
    let readers: Vec<String> = for_asker.keys[1]
        .readers
        .iter()
        .map(|r| r.device.to_string())
        .collect();
    assert_eq!(
        readers,
        vec![bernd.device.clone()],
        "not the removed device"
    );
    assert_eq!(for_asker.keys[0].readers.len(), 2, "key 1 as it was");
    let mine = keys_of(&app, &bernd, &chat, &bernd.device).await;
    assert_eq!(
        mine.keys[1].wrapped.as_deref(),
        body["devices"][0]["wrapped"].as_str()
    );

    // An ended chat gets no new key.
    app.post(
        &format!("/api/conversations/{chat}/end"),
        &bernd.token,
        json!({}),
    )
    .await;
    let ended = app
        .post(
            &path,
            &bernd.token,
            new_key(3, std::slice::from_ref(&bernd.device)),
        )
        .await;
    assert_eq!(
        error_of(ended, StatusCode::CONFLICT).await,
        ErrorCode::ConversationEnded
    );
}

#[tokio::test]
async fn a_device_added_later_is_given_an_existing_key_by_a_device_that_holds_it() {
    let app = spawn_app().await;
    let (bernd, _events) = app.available("bernd").await;
    let (asker, _asker_events) = app.waiting(SUCHT).await;
    let chat = asker.request_id.clone();
    let accepted = app
        .post(
            &format!("/api/requests/{chat}/accept"),
            &bernd.token,
            app.grant(&bernd).await,
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let later = app.add_device(&bernd.token).await;
    let before = keys_of(&app, &bernd, &chat, &later).await;
    assert_eq!(before.keys[0].wrapped, None, "made before the device came");

    let path = format!("/api/conversations/{chat}/keys/1/devices");
    let wrapped = sealed::wrapped_key();
    let given = app
        .post(
            &path,
            &bernd.token,
            json!({"device": later, "wrapped": wrapped}),
        )
        .await;
    assert_eq!(given.status(), StatusCode::NO_CONTENT);
    let after = keys_of(&app, &bernd, &chat, &later).await;
    assert_eq!(after.keys[0].wrapped.as_deref(), Some(wrapped.as_str()));
    assert!(after.keys[0]
        .readers
        .iter()
        .any(|r| r.device.to_string() == later));
    // Given twice: the first copy stays.
    let twice = app
        .post(
            &path,
            &bernd.token,
            json!({"device": later, "wrapped": sealed::wrapped_key()}),
        )
        .await;
    assert_eq!(twice.status(), StatusCode::NO_CONTENT);
    let still = keys_of(&app, &bernd, &chat, &later).await;
    assert_eq!(still.keys[0].wrapped.as_deref(), Some(wrapped.as_str()));

    let stranger = app
        .post(
            &path,
            &bernd.token,
            json!({"device": uuid::Uuid::new_v4(), "wrapped": sealed::wrapped_key()}),
        )
        .await;
    assert_eq!(
        error_of(stranger, StatusCode::FORBIDDEN).await,
        ErrorCode::UnknownDevice
    );
    let no_such_key = app
        .post(
            &format!("/api/conversations/{chat}/keys/9/devices"),
            &bernd.token,
            json!({"device": later, "wrapped": sealed::wrapped_key()}),
        )
        .await;
    assert_eq!(
        error_of(no_such_key, StatusCode::NOT_FOUND).await,
        ErrorCode::NotFound
    );
    let anna = app.login("anna").await;
    let not_hers = app
        .post(
            &path,
            &anna.token,
            json!({"device": anna.device, "wrapped": sealed::wrapped_key()}),
        )
        .await;
    assert_eq!(
        error_of(not_hers, StatusCode::NOT_FOUND).await,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn removing_a_device_logs_it_out_there_and_nothing_new_reaches_its_socket() {
    let app = spawn_app().await;
    let (bernd, _events) = app.available("bernd").await;
    let office = app.login("bernd").await;
    let mut office_events = app.connect_counselor(&office).await;

    let removed = app
        .delete(&format!("/api/me/devices/{}", office.device), &bernd.token)
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    office_events
        .expect("its session ended", |e| {
            matches!(e, ServerEvent::SessionEnded { .. })
        })
        .await;
    assert_eq!(office_events.closed_with().await, Some(4401));
    let gone = app.get("/api/me", &office.token).await;
    assert_eq!(
        error_of(gone, StatusCode::UNAUTHORIZED).await,
        ErrorCode::Unauthorized
    );
    let me = app.get("/api/me", &bernd.token).await;
    assert_eq!(
        me.status(),
        StatusCode::OK,
        "the removing device stays logged in"
    );

    // A device whose login has ended already is removed without logging anyone out.
    let old = app.login("bernd").await;
    app.post("/api/auth/logout", &old.token, json!({})).await;
    app.switch(&bernd, true).await;
    let removed = app
        .delete(&format!("/api/me/devices/{}", old.device), &bernd.token)
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let me: Value = app.get("/api/me", &bernd.token).await.json().await.unwrap();
    assert_eq!(me["availability"]["available"], true, "still available");
}

#[tokio::test]
async fn a_counselors_other_devices_are_told_when_a_device_is_added_or_removed() {
    let app = spawn_app().await;
    let bernd = app.login("bernd").await;
    let mut laptop = app.connect_counselor(&bernd).await;
    let anna = app.login("anna").await;
    let mut someone_else = app.connect_counselor(&anna).await;

    // Bernd logs in on the office computer, which adds its key.
    let office = app.login("bernd").await;
    laptop
        .expect("told of the added device", |e| {
            matches!(e, ServerEvent::DevicesChanged)
        })
        .await;
    assert_eq!(devices(&app, &bernd).await.devices.len(), 2);

    // The same key again is no new device: nothing to tell.
    let known = devices(&app, &office).await.devices;
    let office_key = &known
        .iter()
        .find(|d| d.id.to_string() == office.device)
        .unwrap()
        .public_key;
    let again = app
        .post(
            "/api/me/devices",
            &office.token,
            json!({"name": "Testgerät", "public_key": office_key}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    laptop
        .expect_none("no news for a device known already", SOON, |e| {
            matches!(e, ServerEvent::DevicesChanged)
        })
        .await;

    let removed = app
        .delete(&format!("/api/me/devices/{}", office.device), &bernd.token)
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    laptop
        .expect("told of the removed device", |e| {
            matches!(e, ServerEvent::DevicesChanged)
        })
        .await;
    someone_else
        .expect_none("another counselor hears nothing of it", SOON, |e| {
            matches!(e, ServerEvent::DevicesChanged)
        })
        .await;
}

#[tokio::test]
async fn only_the_winners_keys_are_stored_an_accept_that_is_refused_leaves_none() {
    let app = spawn_app().await;
    let (bernd, _bernd_events) = app.available("bernd").await;
    // Anna is logged in and connected, but not available: her accept is refused by the desk.
    let anna = app.login("anna").await;
    let _anna_events = app.connect_counselor(&anna).await;
    let (asker, _asker_events) = app.waiting(SUCHT).await;
    let path = format!("/api/requests/{}/accept", asker.request_id);

    let refused = app.post(&path, &anna.token, app.grant(&anna).await).await;
    assert_eq!(
        error_of(refused, StatusCode::CONFLICT).await,
        ErrorCode::NotAvailable
    );
    assert_eq!(
        app.count_rows("chat_keys").await,
        0,
        "a refused accept stores no key"
    );

    let won = app.post(&path, &bernd.token, app.grant(&bernd).await).await;
    assert_eq!(won.status(), StatusCode::OK);
    assert_eq!(
        app.count_rows("chat_keys").await,
        2,
        "the winner's copies: the asker's and the one of bernd's device"
    );
    app.switch(&anna, true).await;
    let lost = app.post(&path, &anna.token, app.grant(&anna).await).await;
    assert_eq!(
        error_of(lost, StatusCode::CONFLICT).await,
        ErrorCode::AlreadyTaken
    );
    assert_eq!(
        app.count_rows("chat_keys").await,
        2,
        "a loser stores nothing"
    );
}
