//! Limits under attack: per account, per client behind a proxy, per address for sockets,
//! slow headers.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use pforte_wire::ErrorCode;
use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;

/// An HTTP client whose connections come from `127.0.0.<n>`.
fn from_address(n: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::from([127, 0, 0, n]))
        .build()
        .unwrap()
}

async fn login_as(http: &reqwest::Client, app: &TestApp, password: &str) -> reqwest::Response {
    http.post(app.url("/api/auth/login"))
        .json(&json!({"name": "anna", "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn guesses_from_many_addresses_slow_the_account_down_but_not_its_known_device() {
    let app = spawn_app().await;
    // Anna's own laptop has logged in before.
    let laptop = from_address(2);
    assert_eq!(
        login_as(&laptop, &app, "anna-password").await.status(),
        StatusCode::OK
    );

    let mut evaluated = 0;
    for n in 10..40 {
        let answer = login_as(&from_address(n), &app, "falsch-geraten").await;
        match answer.status() {
            StatusCode::UNAUTHORIZED => evaluated += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(answer.headers().get("retry-after").is_some());
                assert_eq!(
                    error_of(answer, StatusCode::TOO_MANY_REQUESTS).await,
                    ErrorCode::RateLimited
                );
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(evaluated <= 8, "{evaluated} of 30 guesses were evaluated");
    // The right password from yet another address is not even evaluated now …
    let stranger = login_as(&from_address(99), &app, "anna-password").await;
    assert_eq!(stranger.status(), StatusCode::TOO_MANY_REQUESTS);
    // … but Anna on her laptop gets in.
    assert_eq!(
        login_as(&laptop, &app, "anna-password").await.status(),
        StatusCode::OK
    );
}

async fn enter_as(app: &TestApp, forwarded_for: &str) -> StatusCode {
    app.http
        .post(app.url("/api/waiting-room"))
        .header("x-forwarded-for", forwarded_for)
        .json(&sealed::entry(SUCHT))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let app = spawn_app_with(|s| {
        s.enter_per_minute = 2;
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let (_bernd, _events) = app.available("bernd").await;
    assert_eq!(enter_as(&app, "203.0.113.1").await, StatusCode::CREATED);
    assert_eq!(enter_as(&app, "203.0.113.1").await, StatusCode::CREATED);
    assert_eq!(
        enter_as(&app, "203.0.113.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another asker behind the same proxy is not held up by the first.
    assert_eq!(enter_as(&app, "203.0.113.2").await, StatusCode::CREATED);
    // A forged hop on the left changes nothing: the proxy appended the real client.
    assert_eq!(
        enter_as(&app, "198.51.100.7, 203.0.113.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = spawn_app_with(|s| s.enter_per_minute = 2).await;
    let (_bernd, _events) = app.available("bernd").await;
    assert_eq!(enter_as(&app, "203.0.113.1").await, StatusCode::CREATED);
    assert_eq!(enter_as(&app, "203.0.113.2").await, StatusCode::CREATED);
    assert_eq!(
        enter_as(&app, "203.0.113.3").await,
        StatusCode::TOO_MANY_REQUESTS,
        "made-up addresses do not buy new attempts"
    );
}

async fn watch_from(app: &TestApp, n: u8) -> Result<Socket, u16> {
    let address = app.base.trim_start_matches("http://");
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket
        .bind(std::net::SocketAddr::from(([127, 0, 0, n], 0)))
        .unwrap();
    let stream = socket.connect(address.parse().unwrap()).await.unwrap();
    match tokio_tungstenite::client_async(
        format!("{}/api/gates/ws", app.ws_base),
        tokio_tungstenite::MaybeTlsStream::Plain(stream),
    )
    .await
    {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(other) => panic!("{other}"),
    }
}

#[tokio::test]
async fn one_address_cannot_hold_more_anonymous_sockets_than_its_share() {
    let app = spawn_app_with(|s| s.sockets_per_address = 3).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(watch_from(&app, 5).await.expect("within the share"));
    }
    assert_eq!(watch_from(&app, 5).await.err(), Some(429));
    // Other addresses are not affected, and a closed socket gives its place back.
    assert!(watch_from(&app, 6).await.is_ok());
    drop(held.pop());
    let again = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Ok(socket) = watch_from(&app, 5).await {
                return socket;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(again.is_ok());
}

#[tokio::test]
async fn a_client_that_sends_its_headers_too_slowly_is_cut_off() {
    let app = spawn_app_with(|s| s.header_timeout = Duration::from_secs(1)).await;
    let address = app.base.trim_start_matches("http://");
    let mut slow = tokio::net::TcpStream::connect(address).await.unwrap();
    slow.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut buffer = [0u8; 512];
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut buffer))
        .await
        .expect("the server hangs up")
        .unwrap_or(0);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
    let answer = String::from_utf8_lossy(&buffer[..read]);
    assert!(read == 0 || answer.starts_with("HTTP/1.1 408"), "{answer}");
    // A normal client is served meanwhile.
    let health = app.http.get(app.url("/api/health")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}
