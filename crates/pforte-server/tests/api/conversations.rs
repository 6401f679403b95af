use std::time::Duration;

use pforte_wire::{ErrorCode, Sender, ServerEvent};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// An available Bernd who accepted a waiting asker of Suchtberatung.
async fn chatting(app: &TestApp) -> (Counselor, Events, Asker, Events) {
    let (bernd, mut bernd_events) = app.available("bernd").await;
    let (asker, mut asker_events) = app.waiting(SUCHT).await;
    let accepted = app
        .post(
            &format!("/api/requests/{}/accept", asker.request_id),
            &bernd.token,
            app.grant(&bernd).await,
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    bernd_events
        .expect("conversation started", |e| {
            matches!(e, ServerEvent::ConversationStarted { .. })
        })
        .await;
    asker_events
        .expect("accepted", |e| {
            matches!(e, ServerEvent::ChatAccepted { .. })
        })
        .await;
    (bernd, bernd_events, asker, asker_events)
}

#[tokio::test]
async fn counselor_and_asker_chat_both_see_every_message_and_the_asker_ends_it_read_only() {
    let app = spawn_app().await;
    let (bernd, mut bernd_events, asker, mut asker_events) = chatting(&app).await;
    let path = format!("/api/conversations/{}", asker.request_id);

    let sent = app
        .post(
            "/api/asker/messages",
            &asker.token,
            asker_says("Hallo, ich brauche Hilfe."),
        )
        .await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    bernd_events
        .expect("the asker's message", |e| {
            matches!(e, ServerEvent::MessagePosted { message } if read(message) == "Hallo, ich brauche Hilfe." && message.from == Sender::Asker)
        })
        .await;
    let reply = app
        .post(
            &format!("{path}/messages"),
            &bernd.token,
            bernd.says("Ich bin da."),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    asker_events
        .expect("the counselor's reply", |e| {
            matches!(e, ServerEvent::MessagePosted { message } if read(message) == "Ich bin da." && message.from == Sender::Counselor)
        })
        .await;

    let ended = app.post("/api/asker/end", &asker.token, json!({})).await;
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    bernd_events
        .expect("the end", |e| {
            matches!(
                e,
                ServerEvent::ConversationEnded {
                    by: Sender::Asker,
                    ..
                }
            )
        })
        .await;

    let history: Value = app
        .get(&format!("{path}/messages"), &bernd.token)
        .await
        .json()
        .await
        .unwrap();
    let texts: Vec<String> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(opened)
        .collect();
    assert_eq!(texts, vec!["Hallo, ich brauche Hilfe.", "Ich bin da."]);
    let late = app
        .post(
            &format!("{path}/messages"),
            &bernd.token,
            bernd.says("Noch da?"),
        )
        .await;
    assert_eq!(
        error_of(late, StatusCode::CONFLICT).await,
        ErrorCode::ConversationEnded
    );
    let late = app
        .post("/api/asker/messages", &asker.token, asker_says("Hallo?"))
        .await;
    assert_eq!(
        error_of(late, StatusCode::CONFLICT).await,
        ErrorCode::ConversationEnded
    );
    let state: Value = app
        .get("/api/asker", &asker.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(state["status"]["state"], "chat_ended");
    let conversation: Value = app.get(&path, &bernd.token).await.json().await.unwrap();
    assert_eq!(conversation["ended_by"], "asker");
    assert_eq!(conversation["message_count"], 2);
}

#[tokio::test]
async fn messages_reach_both_sockets_in_their_order_even_when_an_earlier_one_is_told_late() {
    let app = spawn_app().await;
    let (bernd, mut bernd_events, asker, mut asker_events) = chatting(&app).await;
    let path = format!("/api/conversations/{}/messages", asker.request_id);
    for text in ["eins", "zwei"] {
        let sent = app
            .post("/api/asker/messages", &asker.token, asker_says(text))
            .await;
        assert_eq!(sent.status(), StatusCode::CREATED);
    }
    // What a race does: "drei" is stored (acknowledged) but its delivery comes late, as
    // another instance's notice that arrives after this instance posted "vier".
    let chat = pforte_domain::RequestId(asker.request_id.parse().unwrap());
    let drei = pforte_server::store::MessageRecord {
        id: uuid::Uuid::new_v4(),
        seq: 0,
        client_id: None,
        chat,
        from: Sender::Asker,
        body: sealed::stored("drei"),
        sent_at: pforte_server::reception::now(),
    };
    let stored = app
        .reception
        .messages
        .add(
            pforte_server::store::NewMessage {
                message: drei.clone(),
                counselor: None,
            },
            // No notice: nobody else is told, as if the notice were late.
            None,
        )
        .await
        .unwrap();
    let pforte_server::store::Added::Now { seq } = stored else {
        panic!("stored before: {stored:?}");
    };
    let sent = app.post(&path, &bernd.token, bernd.says("vier")).await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let counselor = app
        .reception
        .store
        .chat(chat)
        .await
        .unwrap()
        .unwrap()
        .counselor;
    app.reception
        .deliver_messages(
            chat,
            counselor,
            vec![pforte_server::store::MessageRecord { seq, ..drei }],
        )
        .await;

    for events in [&mut bernd_events, &mut asker_events] {
        let mut heard = Vec::new();
        while heard.len() < 4 {
            let event = events
                .expect("the messages", |e| {
                    matches!(e, ServerEvent::MessagePosted { .. })
                })
                .await;
            let ServerEvent::MessagePosted { message } = event else {
                unreachable!()
            };
            heard.push(read(&message));
        }
        assert_eq!(
            heard,
            ["eins", "zwei", "drei", "vier"],
            "in order, once each"
        );
        events
            .expect_none("a message twice", Duration::from_millis(300), |e| {
                matches!(e, ServerEvent::MessagePosted { .. })
            })
            .await;
    }
}

#[tokio::test]
async fn the_counselor_can_end_a_chat_and_the_asker_is_told() {
    let app = spawn_app().await;
    let (bernd, _bernd_events, asker, mut asker_events) = chatting(&app).await;

    let ended = app
        .post(
            &format!("/api/conversations/{}/end", asker.request_id),
            &bernd.token,
            json!({}),
        )
        .await;

    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    asker_events
        .expect("the end", |e| {
            matches!(
                e,
                ServerEvent::ConversationEnded {
                    by: Sender::Counselor,
                    ..
                }
            )
        })
        .await;
    let again = app
        .post(
            &format!("/api/conversations/{}/end", asker.request_id),
            &bernd.token,
            json!({}),
        )
        .await;
    assert_eq!(
        error_of(again, StatusCode::CONFLICT).await,
        ErrorCode::ConversationEnded
    );
}

#[tokio::test]
async fn a_running_chat_goes_on_when_its_counselor_switches_availability_off() {
    let app = spawn_app().await;
    let (bernd, _bernd_events, asker, mut asker_events) = chatting(&app).await;

    app.switch(&bernd, false).await;

    let reply = app
        .post(
            &format!("/api/conversations/{}/messages", asker.request_id),
            &bernd.token,
            bernd.says("Ich bleibe für Sie da."),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    asker_events
        .expect("the reply", |e| {
            matches!(e, ServerEvent::MessagePosted { .. })
        })
        .await;
    let state: Value = app
        .get("/api/asker", &asker.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(state["status"]["state"], "chatting");
    assert_eq!(state["status"]["counselor_online"], true);
}

#[tokio::test]
async fn the_asker_sees_when_their_counselor_goes_offline_and_comes_back() {
    let app = spawn_app().await;
    let (bernd, bernd_events, _asker, mut asker_events) = chatting(&app).await;

    drop(bernd_events);
    asker_events
        .expect("the counselor offline", |e| {
            matches!(e, ServerEvent::CounselorPresenceChanged { online: false })
        })
        .await;
    let _back = app.connect_counselor(&bernd).await;
    asker_events
        .expect("the counselor back", |e| {
            matches!(e, ServerEvent::CounselorPresenceChanged { online: true })
        })
        .await;
}

#[tokio::test]
async fn plain_text_or_a_ciphertext_outside_the_padding_buckets_is_refused_with_a_clear_code() {
    let app = spawn_app().await;
    let (bernd, _bernd_events, asker, _asker_events) = chatting(&app).await;
    let refused = |body: Value, status: StatusCode, code: ErrorCode| {
        let app = &app;
        let token = asker.token.clone();
        async move {
            let answer = app.post("/api/asker/messages", &token, body.clone()).await;
            assert_eq!(error_of(answer, status).await, code, "{body}");
        }
    };

    // Plain text is not accepted at all: the server must never hold a readable message.
    refused(
        json!({"text": "Hallo, ich brauche Hilfe."}),
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidBody,
    )
    .await;
    let mut sealed = sealed::seal("Hallo", None);
    sealed["ciphertext"] = json!("Hallo, ich brauche Hilfe.");
    refused(
        json!({"sealed": sealed}),
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::SealedInvalid,
    )
    .await;
    // Lengths stay in the buckets: a ciphertext between them says too much.
    let mut odd = sealed::seal("Hallo", None);
    odd["ciphertext"] = json!("AQEB".repeat(100));
    refused(
        json!({"sealed": odd}),
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::SealedInvalid,
    )
    .await;
    // More than the largest bucket (4000 characters of 4 bytes fit it).
    let mut huge = sealed::seal("Hallo", None);
    huge["ciphertext"] = json!("A".repeat(27_000));
    refused(
        json!({"sealed": huge}),
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::MessageTooLong,
    )
    .await;
    // The asker names no device; a counselor names one of their own.
    refused(
        sealed::device_says(&bernd.device, "Hallo"),
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::SealedInvalid,
    )
    .await;
    let path = format!("/api/conversations/{}/messages", asker.request_id);
    let no_device = app.post(&path, &bernd.token, asker_says("Hallo")).await;
    assert_eq!(
        error_of(no_device, StatusCode::UNPROCESSABLE_ENTITY).await,
        ErrorCode::SealedInvalid
    );
    let other_device = app
        .post(
            &path,
            &bernd.token,
            sealed::device_says(&uuid::Uuid::new_v4().to_string(), "Hallo"),
        )
        .await;
    assert_eq!(
        error_of(other_device, StatusCode::FORBIDDEN).await,
        ErrorCode::UnknownDevice
    );

    let longest = app
        .post(
            "/api/asker/messages",
            &asker.token,
            asker_says(&"😀".repeat(4000)),
        )
        .await;
    assert_eq!(longest.status(), StatusCode::CREATED);
    let stored: Value = longest.json().await.unwrap();
    assert_eq!(opened(&stored), "😀".repeat(4000));
}

#[tokio::test]
async fn a_waiting_asker_cannot_send_messages_yet() {
    let app = spawn_app().await;
    let (_bernd, _events) = app.available("bernd").await;
    let asker = app.enter(SUCHT).await;
    let early = app
        .post("/api/asker/messages", &asker.token, asker_says("Hallo?"))
        .await;
    assert_eq!(
        error_of(early, StatusCode::CONFLICT).await,
        ErrorCode::NotAccepted
    );
}

#[tokio::test]
async fn meine_beratungen_lists_running_chats_before_ended_ones() {
    let app = spawn_app().await;
    let (bernd, _bernd_events, first, _first_events) = chatting(&app).await;
    app.post(
        &format!("/api/conversations/{}/end", first.request_id),
        &bernd.token,
        json!({}),
    )
    .await;
    let (second, _second_events) = app.waiting(SUCHT).await;
    app.post(
        &format!("/api/requests/{}/accept", second.request_id),
        &bernd.token,
        app.grant(&bernd).await,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(50)).await;

    let list: Value = app
        .get("/api/conversations", &bernd.token)
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![second.request_id.as_str(), first.request_id.as_str()]
    );
}

#[tokio::test]
async fn everything_of_an_ended_chat_is_deleted_after_the_retention_time() {
    let app = spawn_app_with(|s| s.retention = Duration::from_secs(1)).await;
    let (bernd, _bernd_events, asker, _asker_events) = chatting(&app).await;
    app.post("/api/asker/messages", &asker.token, asker_says("Danke"))
        .await;
    app.post(
        &format!("/api/conversations/{}/end", asker.request_id),
        &bernd.token,
        json!({}),
    )
    .await;

    tokio::time::sleep(Duration::from_secs(3)).await;

    assert_eq!(app.count_rows("chats").await, 0);
    assert_eq!(app.count_rows("messages").await, 0);
    let gone = app.get("/api/asker", &asker.token).await;
    assert_eq!(
        error_of(gone, StatusCode::UNAUTHORIZED).await,
        ErrorCode::Unauthorized
    );
    // The counts of "Meine Statistik" outlive the content.
    assert_eq!(app.count_rows("counselor_activity").await, 2);
}

#[tokio::test]
async fn a_deleted_chat_leaves_no_trace_of_its_ciphertexts_or_pseudonym_in_the_raw_database_files()
{
    let mut app = spawn_app_with(|s| s.retention = Duration::from_secs(1)).await;
    let (bernd, _bernd_events, asker, _asker_events) = chatting(&app).await;
    let state: Value = app
        .get("/api/asker", &asker.token)
        .await
        .json()
        .await
        .unwrap();
    let pseudonym = state["pseudonym"].as_str().unwrap().to_owned();
    let short = "Mein Geheimnis: Ich trinke jeden Abend zu viel.";
    // Longer than a database page: stored in overflow pages.
    let long = format!("Lange Nachricht {} Ende", "Sorge ".repeat(600));
    // What the server holds of each message is its ciphertext (here a stand-in, whose
    // base64url text is what the files would hold): that must go with the chat.
    let counselor_path = format!("/api/conversations/{}/messages", asker.request_id);
    let mut stored = Vec::new();
    for (token, path, body) in [
        (&asker.token, "/api/asker/messages", asker_says(short)),
        (
            &bernd.token,
            counselor_path.as_str(),
            bernd.says("Antwort der Beraterin: Sie sind nicht allein."),
        ),
        (&asker.token, "/api/asker/messages", asker_says(&long)),
    ] {
        let sent = app.post(path, token, body).await;
        assert_eq!(sent.status(), StatusCode::CREATED);
        let message: Value = sent.json().await.unwrap();
        let ciphertext = message["sealed"]["ciphertext"].as_str().unwrap();
        // The part of the ciphertext after the first bytes (base64 of the text itself).
        stored.push(ciphertext[8..60].to_owned());
    }
    let mut needles: Vec<&str> = stored.iter().map(String::as_str).collect();
    needles.push(pseudonym.as_str());
    assert!(
        !app.database.holds(&needles).await.is_empty(),
        "the ciphertexts are stored while the chat exists (else this test proves nothing)"
    );
    app.post(
        &format!("/api/conversations/{}/end", asker.request_id),
        &bernd.token,
        json!({}),
    )
    .await;

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while app.count_rows("chats").await > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the chat was never purged"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The purge checkpoints the WAL right after deleting; give it a moment to finish.
    tokio::time::sleep(Duration::from_millis(500)).await;
    // SQLite: not a byte of them in the files (main file and WAL). PostgreSQL keeps dead
    // rows until VACUUM and cannot promise that (ARCHITECTURE.md); there no row holds them.
    assert_eq!(
        app.database.holds(&needles).await,
        Vec::<String>::new(),
        "while running"
    );

    app.stop().await;
    if app.database.sqlite_path.is_some() {
        assert_eq!(
            app.database.holds(&needles).await,
            Vec::<String>::new(),
            "after shutdown"
        );
    }
}

#[tokio::test]
async fn a_send_retried_after_a_lost_answer_is_stored_and_delivered_once() {
    let app = spawn_app().await;
    let (_bernd, mut bernd_events, asker, _asker_events) = chatting(&app).await;
    let client_id = "6f1c2c1e-8a53-4c35-9a4c-5b0e1f3d2a77";
    let body = with_client_id(asker_says("Bist du noch da?"), client_id);
    let first = app
        .post("/api/asker/messages", &asker.token, body.clone())
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    // The answer was lost; the page sends the same message again.
    let retry = app.post("/api/asker/messages", &asker.token, body).await;
    assert_eq!(
        retry.status(),
        StatusCode::OK,
        "a retry is answered, not stored again"
    );
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(retry["id"], first["id"]);

    let messages: Value = app
        .get("/api/asker/messages", &asker.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(messages["messages"].as_array().unwrap().len(), 1);
    bernd_events
        .expect("the message", |e| {
            matches!(e, ServerEvent::MessagePosted { .. })
        })
        .await;
    bernd_events
        .expect_none("the message twice", Duration::from_millis(500), |e| {
            matches!(e, ServerEvent::MessagePosted { .. })
        })
        .await;
    // Another message with another id is a new message, even with the same text.
    let other = app
        .post(
            "/api/asker/messages",
            &asker.token,
            with_client_id(
                asker_says("Bist du noch da?"),
                "0d3a7c8e-1b2f-4e5d-8c9a-7b6e5d4c3b2a",
            ),
        )
        .await;
    assert_eq!(other.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn an_asker_who_left_the_waiting_room_is_told_there_is_no_conversation_to_end() {
    let app = spawn_app().await;
    let (_bernd, _events) = app.available("bernd").await;
    let (asker, _asker_events) = app.waiting(SUCHT).await;
    let left = app.post("/api/asker/leave", &asker.token, json!({})).await;
    assert_eq!(left.status(), StatusCode::NO_CONTENT);
    let ended = app.post("/api/asker/end", &asker.token, json!({})).await;
    assert_eq!(
        error_of(ended, StatusCode::CONFLICT).await,
        ErrorCode::RequestGone
    );
}

#[tokio::test]
async fn fifty_messages_sent_at_once_are_all_acknowledged_stored_once_and_counted() {
    let app = spawn_app().await;
    let (bernd, _bernd_events, asker, _asker_events) = chatting(&app).await;
    let sends = (0..50).map(|i| {
        let (app, token) = (&app, asker.token.clone());
        async move {
            app.post(
                "/api/asker/messages",
                &token,
                asker_says(&format!("Nachricht {i}")),
            )
            .await
            .status()
        }
    });
    let statuses = futures_util::future::join_all(sends).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::CREATED),
        "{statuses:?}"
    );
    let messages: Value = app
        .get("/api/asker/messages", &asker.token)
        .await
        .json()
        .await
        .unwrap();
    let mut texts: Vec<String> = messages["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(opened)
        .collect();
    assert_eq!(texts.len(), 50);
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), 50, "each once");
    let conversation: Value = app
        .get(
            &format!("/api/conversations/{}", asker.request_id),
            &bernd.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(conversation["message_count"], 50);
}

#[tokio::test]
async fn one_refused_message_in_a_batch_does_not_fail_the_others_and_retries_get_the_stored_copy() {
    use pforte_domain::{RequestId, Timestamp};
    use pforte_server::store::{Added, MessageRecord, NewMessage, Store, StoreError};

    let app = spawn_app().await;
    // An ended chat and a running one.
    let (_, _, ended, _) = chatting(&app).await;
    let done = app.post("/api/asker/end", &ended.token, json!({})).await;
    assert_eq!(done.status(), StatusCode::NO_CONTENT);
    let (_, _, asker, _) = chatting(&app).await;
    let stored_before = "6f1c2c1e-8a53-4c35-9a4c-5b0e1f3d2a77";
    let first = app
        .post(
            "/api/asker/messages",
            &asker.token,
            with_client_id(asker_says("Hallo"), stored_before),
        )
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);

    let store = pforte_server::store::sql::SqlStore::open(&app.database.url)
        .await
        .unwrap();
    let running = RequestId(asker.request_id.parse().unwrap());
    let gone = RequestId(ended.request_id.parse().unwrap());
    let counselor = store.chat(running).await.unwrap().unwrap().counselor;
    let message = |chat: RequestId, from: Sender, text: &str, client_id: Option<&str>| NewMessage {
        message: MessageRecord {
            id: uuid::Uuid::new_v4(),
            seq: 0,
            client_id: client_id.map(|c| c.parse().unwrap()),
            chat,
            from,
            body: sealed::stored(text),
            sent_at: Timestamp::from_millis(1_000),
        },
        counselor: counselor.filter(|_| from == Sender::Counselor),
    };
    let again = "0d3a7c8e-1b2f-4e5d-8c9a-7b6e5d4c3b2a";
    let batch = [
        message(running, Sender::Asker, "zwei", Some(again)),
        message(gone, Sender::Asker, "zu spät", None),
        message(running, Sender::Asker, "Hallo", Some(stored_before)),
        message(running, Sender::Counselor, "drei", None),
        message(running, Sender::Asker, "zwei", Some(again)),
    ];
    let activity_before = app.count_rows("counselor_activity").await;
    let results = store.add_messages(&batch).await.unwrap();

    assert!(
        matches!(results[0], Ok(Added::Now { seq: 2 })),
        "{:?}",
        results[0]
    );
    assert!(matches!(results[1], Err(StoreError::ConversationEnded)));
    match &results[2] {
        Ok(Added::Before(message)) => {
            assert_eq!(
                (message.seq, sealed::stored_text(&message.body).as_str()),
                (1, "Hallo")
            )
        }
        other => panic!("a retry of a stored message: {other:?}"),
    }
    assert!(
        matches!(results[3], Ok(Added::Now { seq: 3 })),
        "{:?}",
        results[3]
    );
    match &results[4] {
        Ok(Added::Before(message)) => {
            assert_eq!(message.id, batch[0].message.id, "the copy within the batch");
            assert_eq!(message.seq, 2);
        }
        other => panic!("a second copy within the batch: {other:?}"),
    }
    let stored: Vec<(u64, String)> = store
        .messages(running)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.seq, sealed::stored_text(&m.body)))
        .collect();
    assert_eq!(
        stored,
        [(1, "Hallo".into()), (2, "zwei".into()), (3, "drei".into())]
    );
    assert_eq!(store.chat(running).await.unwrap().unwrap().message_count, 3);
    assert!(store.messages(gone).await.unwrap().is_empty());
    assert_eq!(
        app.count_rows("counselor_activity").await,
        activity_before + 1,
        "the counselor's one new message is counted once"
    );
    store.close().await;
}
