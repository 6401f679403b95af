//! Pforte's REST API as the bench uses it: each call timed, each answer checked.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{anyhow, bail};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use pforte_wire::{AskerState, EnteredWaitingRoom, LoggedIn, PublicTopicList};
use reqwest::StatusCode;
use serde_json::json;
use tokio::time::Instant;
use uuid::Uuid;

/// Bytes of the end-to-end format's shapes (the bench measures the server: what the clients
/// seal is opaque to it, so random bytes of the right lengths cost it the same).
fn random_b64(length: usize, first: Option<u8>) -> String {
    let mut bytes = Vec::with_capacity(length + 16);
    while bytes.len() < length {
        bytes.extend_from_slice(Uuid::new_v4().as_bytes());
    }
    bytes.truncate(length);
    if let Some(first) = first {
        bytes[0] = first;
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A message sealed by the asker: a text of up to 252 bytes fills the smallest bucket.
fn sealed_by_asker(text: &str) -> serde_json::Value {
    let bucket = [256usize, 1024, 4096, 16384]
        .into_iter()
        .find(|b| *b >= text.len() + 4)
        .unwrap_or(16384);
    json!({"sealed": {
        "key": 1,
        "device": null,
        "counter": 1,
        "iv": random_b64(12, None),
        "ciphertext": random_b64(bucket + 16, None),
    }})
}

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

async fn expect(
    response: reqwest::Response,
    want: StatusCode,
    what: &str,
) -> anyhow::Result<reqwest::Response> {
    if response.status() == want {
        return Ok(response);
    }
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    bail!("{what}: expected {want}, got {status}: {body}")
}

impl Api {
    pub fn new(server: SocketAddr) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(60))
                .connect_timeout(Duration::from_secs(10))
                .tcp_nodelay(true)
                .build()?,
            base: format!("http://{server}"),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Topic ids by slug.
    pub async fn topic_id(&self, slug: &str) -> anyhow::Result<i64> {
        let response = self.http.get(self.url("/api/topics")).send().await?;
        let list: PublicTopicList = expect(response, StatusCode::OK, "GET /api/topics")
            .await?
            .json()
            .await?;
        list.topics
            .iter()
            .find(|t| t.slug == slug)
            .map(|t| t.id)
            .ok_or_else(|| anyhow!("the server does not list topic {slug}"))
    }

    /// Whether the gate of the topic `slug` is open, as this instance says.
    pub async fn gate_open(&self, slug: &str) -> anyhow::Result<bool> {
        let response = self.http.get(self.url("/api/topics")).send().await?;
        let list: PublicTopicList = expect(response, StatusCode::OK, "GET /api/topics")
            .await?
            .json()
            .await?;
        list.topics
            .iter()
            .find(|t| t.slug == slug)
            .map(|t| t.gate_open)
            .ok_or_else(|| anyhow!("the server does not list topic {slug}"))
    }

    /// Where an asker stands (`GET /api/asker`).
    pub async fn asker_state(&self, token: &str) -> anyhow::Result<AskerState> {
        let response = self
            .http
            .get(self.url("/api/asker"))
            .bearer_auth(token)
            .send()
            .await?;
        Ok(expect(response, StatusCode::OK, "GET /api/asker")
            .await?
            .json()
            .await?)
    }

    /// Log in; the session token and how long the answer took.
    pub async fn login(&self, name: &str, password: &str) -> anyhow::Result<(String, Duration)> {
        let at = Instant::now();
        let response = self
            .http
            .post(self.url("/api/auth/login"))
            .json(&json!({"name": name, "password": password}))
            .send()
            .await?;
        let logged_in: LoggedIn = expect(response, StatusCode::OK, "POST /api/auth/login")
            .await?
            .json()
            .await?;
        let took = at.elapsed();
        // The dashboard adds its device right after logging in (not part of the login time).
        let response = self
            .http
            .post(self.url("/api/me/devices"))
            .bearer_auth(&logged_in.token)
            .json(&json!({"name": "Bench", "public_key": random_b64(65, Some(4))}))
            .send()
            .await?;
        expect(response, StatusCode::CREATED, "POST /api/me/devices").await?;
        Ok((logged_in.token, took))
    }

    /// The accept body: a content key wrapped for the asker and each of the devices.
    async fn grant(&self, token: &str) -> anyhow::Result<serde_json::Value> {
        let response = self
            .http
            .get(self.url("/api/me/devices"))
            .bearer_auth(token)
            .send()
            .await?;
        let devices: pforte_wire::DeviceList =
            expect(response, StatusCode::OK, "GET /api/me/devices")
                .await?
                .json()
                .await?;
        Ok(json!({"keys": {
            "asker": random_b64(125, Some(4)),
            "devices": devices.devices.iter().map(|d| json!({
                "device": d.id,
                "wrapped": random_b64(125, Some(4)),
            })).collect::<Vec<_>>(),
        }}))
    }

    /// `GET /api/me` as this instance answers it (for saying what went wrong).
    pub async fn me_text(&self, token: &str) -> anyhow::Result<String> {
        let response = self
            .http
            .get(self.url("/api/me"))
            .bearer_auth(token)
            .send()
            .await?;
        Ok(response.text().await?)
    }

    /// Switch availability; how long the answer took.
    pub async fn availability(&self, token: &str, on: bool) -> anyhow::Result<Duration> {
        let at = Instant::now();
        let response = self
            .http
            .put(self.url("/api/me/availability"))
            .bearer_auth(token)
            .json(&json!({"on": on}))
            .send()
            .await?;
        expect(response, StatusCode::OK, "PUT /api/me/availability").await?;
        Ok(at.elapsed())
    }

    /// Enter a waiting room.
    pub async fn enter(&self, topic: i64) -> anyhow::Result<(EnteredWaitingRoom, Duration)> {
        let at = Instant::now();
        let response = self
            .http
            .post(self.url("/api/waiting-room"))
            .json(
                &json!({"topic_id": topic, "consent": true, "public_key": random_b64(65, Some(4))}),
            )
            .send()
            .await?;
        let entered: EnteredWaitingRoom =
            expect(response, StatusCode::CREATED, "POST /api/waiting-room")
                .await?
                .json()
                .await?;
        Ok((entered, at.elapsed()))
    }

    /// Accept a request: the status (200 won, 409 lost) and how long the answer took.
    pub async fn accept(
        &self,
        token: &str,
        request: Uuid,
    ) -> anyhow::Result<(StatusCode, Duration)> {
        // What the dashboard has at hand when "Chat starten" is clicked (untimed).
        let grant = self.grant(token).await?;
        let at = Instant::now();
        let response = self
            .http
            .post(self.url(&format!("/api/requests/{request}/accept")))
            .bearer_auth(token)
            .json(&grant)
            .send()
            .await?;
        let status = response.status();
        let _ = response.bytes().await?;
        Ok((status, at.elapsed()))
    }

    /// Accept, and insist on winning.
    pub async fn accept_won(&self, token: &str, request: Uuid) -> anyhow::Result<Duration> {
        let (status, took) = self.accept(token, request).await?;
        if status != StatusCode::OK {
            bail!("POST /api/requests/{request}/accept: expected 200, got {status}");
        }
        Ok(took)
    }

    /// The asker sends a message: answered 201 once it is stored.
    pub async fn asker_message(&self, token: &str, text: &str) -> anyhow::Result<Duration> {
        let at = Instant::now();
        let response = self
            .http
            .post(self.url("/api/asker/messages"))
            .bearer_auth(token)
            .json(&sealed_by_asker(text))
            .send()
            .await?;
        expect(response, StatusCode::CREATED, "POST /api/asker/messages").await?;
        Ok(at.elapsed())
    }

    pub async fn asker_end(&self, token: &str) -> anyhow::Result<()> {
        let response = self
            .http
            .post(self.url("/api/asker/end"))
            .bearer_auth(token)
            .send()
            .await?;
        expect(response, StatusCode::NO_CONTENT, "POST /api/asker/end").await?;
        Ok(())
    }

    /// `GET /api/health` answers within `limit`.
    pub async fn health(&self, limit: Duration) -> anyhow::Result<Duration> {
        let at = Instant::now();
        let response = tokio::time::timeout(limit, self.http.get(self.url("/api/health")).send())
            .await
            .map_err(|_| anyhow!("/api/health did not answer within {limit:?}"))??;
        expect(response, StatusCode::OK, "GET /api/health").await?;
        Ok(at.elapsed())
    }
}
