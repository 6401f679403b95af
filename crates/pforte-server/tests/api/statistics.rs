use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// A period around now, so a test running across midnight still counts everything.
fn around_now() -> (String, String) {
    let today = time::OffsetDateTime::now_utc().date();
    (
        today.previous_day().unwrap().to_string(),
        today.next_day().unwrap().to_string(),
    )
}

#[tokio::test]
async fn meine_statistik_counts_accepted_chats_and_sent_messages_and_downloads_as_a_real_workbook()
{
    let app = spawn_app().await;
    let (bernd, _events) = app.available("bernd").await;
    let asker = app.enter(SUCHT).await;
    let _page = app.connect_asker(&asker).await;
    app.post(
        &format!("/api/requests/{}/accept", asker.request_id),
        &bernd.token,
        app.grant(&bernd).await,
    )
    .await;
    for text in ["Guten Tag", "Wie geht es Ihnen?"] {
        let sent = app
            .post(
                &format!("/api/conversations/{}/messages", asker.request_id),
                &bernd.token,
                bernd.says(text),
            )
            .await;
        assert_eq!(sent.status(), StatusCode::CREATED);
    }
    app.post("/api/asker/messages", &asker.token, asker_says("Danke"))
        .await;
    app.post(
        &format!("/api/conversations/{}/end", asker.request_id),
        &bernd.token,
        json!({}),
    )
    .await;
    let (from, to) = around_now();

    let figures: Value = app
        .get(
            &format!("/api/me/statistics?from={from}&to={to}"),
            &bernd.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(figures["accepted_chats"], 1);
    assert_eq!(
        figures["messages_sent"], 2,
        "only the counselor's own messages count"
    );
    assert_eq!(figures["conversations_ended"], 1);
    assert_eq!(figures["from"], from.as_str());

    let response = app
        .get(
            &format!("/api/me/statistics.xlsx?from={from}&to={to}"),
            &bernd.token,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".xlsx"));
    let bytes = response.bytes().await.unwrap();
    assert_eq!(
        &bytes[..2],
        b"PK",
        "an xlsx file is a zip archive, not a CSV"
    );
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let sheet = workbook.worksheet_range("Meine Statistik").unwrap();
    let value_of = |label: &str| {
        sheet
            .rows()
            .find(|row| row.first() == Some(&Data::String(label.into())))
            .and_then(|row| row.get(1).cloned())
    };
    assert_eq!(value_of("Angenommene Live-Chats"), Some(Data::Float(1.0)));
    assert_eq!(value_of("Gesendete Nachrichten"), Some(Data::Float(2.0)));
    assert_eq!(value_of("Zeitraum von"), Some(Data::String(from.clone())));
}

#[tokio::test]
async fn statistics_of_another_period_are_empty() {
    let app = spawn_app().await;
    let (bernd, _events) = app.available("bernd").await;
    let figures: Value = app
        .get(
            "/api/me/statistics?from=2020-01-01&to=2020-12-31",
            &bernd.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(figures["accepted_chats"], 0);
    assert_eq!(figures["available_seconds"], 0);
}

#[tokio::test]
async fn time_available_counts_only_while_the_counselor_was_available() {
    let app = spawn_app().await;
    let (bernd, _events) = app.available("bernd").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    app.switch(&bernd, false).await;
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    let (from, to) = around_now();

    let figures: Value = app
        .get(
            &format!("/api/me/statistics?from={from}&to={to}"),
            &bernd.token,
        )
        .await
        .json()
        .await
        .unwrap();

    let seconds = figures["available_seconds"].as_u64().unwrap();
    assert!((1..=2).contains(&seconds), "available for {seconds} s");
}
