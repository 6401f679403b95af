use pforte_wire::ErrorCode;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn an_asker_token_opens_only_its_own_conversation() {
    let app = spawn_app().await;
    let (bernd, _events) = app.available("bernd").await;
    let mine = app.enter(SUCHT).await;
    let other = app.enter(SUCHT).await;
    app.post(
        &format!("/api/requests/{}/accept", mine.request_id),
        &bernd.token,
        app.grant(&bernd).await,
    )
    .await;
    app.post(
        "/api/asker/messages",
        &mine.token,
        asker_says("nur für Bernd"),
    )
    .await;

    let theirs: Value = app
        .get("/api/asker/messages", &other.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["messages"].as_array().unwrap().len(), 0);
    let state: Value = app
        .get("/api/asker", &other.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(state["request_id"], other.request_id.as_str());
}

#[tokio::test]
async fn a_strangers_or_a_made_up_token_cannot_read_a_conversation() {
    let app = spawn_app().await;
    let (bernd, _events) = app.available("bernd").await;
    let asker = app.enter(SUCHT).await;
    app.post(
        &format!("/api/requests/{}/accept", asker.request_id),
        &bernd.token,
        app.grant(&bernd).await,
    )
    .await;
    let path = format!("/api/conversations/{}/messages", asker.request_id);

    // A colleague of the same topic did not accept it: for them it does not exist.
    let (anna, _anna_events) = app.available("anna").await;
    let response = app.get(&path, &anna.token).await;
    assert_eq!(
        error_of(response, StatusCode::NOT_FOUND).await,
        ErrorCode::NotFound
    );
    let response = app.post(&path, &anna.token, anna.says("hi")).await;
    assert_eq!(
        error_of(response, StatusCode::NOT_FOUND).await,
        ErrorCode::NotFound
    );
    let response = app
        .post(
            &format!("/api/conversations/{}/end", asker.request_id),
            &anna.token,
            json!({}),
        )
        .await;
    assert_eq!(
        error_of(response, StatusCode::NOT_FOUND).await,
        ErrorCode::NotFound
    );
    // A made-up token, no token, the asker's token on the counselor API.
    let response = app.get("/api/asker/messages", "made-up-token").await;
    assert_eq!(
        error_of(response, StatusCode::UNAUTHORIZED).await,
        ErrorCode::Unauthorized
    );
    let response = app.http.get(app.url(&path)).send().await.unwrap();
    assert_eq!(
        error_of(response, StatusCode::UNAUTHORIZED).await,
        ErrorCode::Unauthorized
    );
    let response = app.get(&path, &asker.token).await;
    assert_eq!(
        error_of(response, StatusCode::UNAUTHORIZED).await,
        ErrorCode::Unauthorized
    );
    // And the counselor's token on the asker API.
    let response = app.get("/api/asker/messages", &bernd.token).await;
    assert_eq!(
        error_of(response, StatusCode::UNAUTHORIZED).await,
        ErrorCode::Unauthorized
    );
}

#[tokio::test]
async fn a_socket_with_a_wrong_token_is_closed_unauthorized() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let app = spawn_app().await;
    for path in ["/api/counselor/ws", "/api/asker/ws"] {
        let (mut socket, _) = tokio_tungstenite::connect_async(format!("{}{path}", app.ws_base))
            .await
            .unwrap();
        socket
            .send(Message::Text(
                json!({"type": "auth", "token": "nope"}).to_string().into(),
            ))
            .await
            .unwrap();
        let mut events = Events { socket };
        assert_eq!(events.closed_with().await, Some(4401), "{path}");
    }
}

#[tokio::test]
async fn no_ip_address_of_an_asker_is_stored() {
    let app = spawn_app().await;
    let (_bernd, _events) = app.available("bernd").await;
    let _asker = app.enter(SUCHT).await;

    assert_eq!(
        app.database.holds(&["127.0.0.1"]).await,
        Vec::<String>::new(),
        "the database holds an IP address"
    );
}
