//! Stand-ins for what the clients' end-to-end layer sends (`ui/src/crypto/e2e.ts`): messages
//! and keys of the format's shape. The server can check shapes only, so these test what it
//! does with them: a "sealed" text here is the padded text itself, readable by the tests (and
//! only by them) with [`opened`], so that relaying, order and retries stay checkable. The
//! real sealing is tested in the UI's unit tests and end to end in the browser.
#![allow(dead_code)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

const BUCKETS: [usize; 4] = [256, 1024, 4096, 16384];

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The `sealed` object of a message from the asker (`device: None`) or a counselor device.
pub fn seal(text: &str, device: Option<&str>) -> Value {
    let body = text.as_bytes();
    let size = BUCKETS
        .into_iter()
        .find(|b| *b >= body.len() + 4)
        .unwrap_or(65536);
    let mut padded = vec![0u8; size + 16];
    padded[..4].copy_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes());
    padded[4..4 + body.len()].copy_from_slice(body);
    json!({
        "key": 1,
        "device": device,
        "counter": 1,
        "iv": b64(&[7; 12]),
        "ciphertext": b64(&padded),
    })
}

/// A message body of the asker.
pub fn asker_says(text: &str) -> Value {
    json!({ "sealed": seal(text, None) })
}

/// A message body sealed by a counselor's device.
pub fn device_says(device: &str, text: &str) -> Value {
    json!({ "sealed": seal(text, Some(device)) })
}

/// What a stand-in seal holds (a message as the API returns it, or its `sealed` object).
pub fn opened(message: &Value) -> String {
    let sealed = if message.get("sealed").is_some() {
        &message["sealed"]
    } else {
        message
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(sealed["ciphertext"].as_str().expect("a sealed message"))
        .expect("base64url");
    let length = u32::from_be_bytes(bytes[..4].try_into().unwrap()) as usize;
    String::from_utf8(bytes[4..4 + length].to_vec()).unwrap()
}

/// A public key of the format (a fresh one each time).
pub fn public_key() -> String {
    let mut point = vec![4u8];
    point.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    point.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    point.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    point.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    b64(&point)
}

/// A wrapped content key of the format (a fresh one each time).
pub fn wrapped_key() -> String {
    let mut bytes = vec![4u8];
    while bytes.len() < 125 {
        bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    bytes.truncate(125);
    b64(&bytes)
}

/// The accept body for these device ids: the content key wrapped for the asker and each.
pub fn grant(devices: &[String]) -> Value {
    json!({
        "keys": {
            "asker": wrapped_key(),
            "devices": devices
                .iter()
                .map(|d| json!({ "device": d, "wrapped": wrapped_key() }))
                .collect::<Vec<_>>(),
        }
    })
}

/// The waiting-room body of an asker with a fresh key.
pub fn entry(topic: impl serde::Serialize) -> Value {
    json!({ "topic_id": topic, "consent": true, "public_key": public_key() })
}

/// The same body with the client's id of the message (for retries).
pub fn with_client_id(mut body: Value, client_id: impl serde::Serialize) -> Value {
    body["client_id"] = json!(client_id);
    body
}

/// What a stand-in seal of a wire message holds.
pub fn read(message: &pforte_wire::Message) -> String {
    opened(&serde_json::to_value(&message.sealed).unwrap())
}

/// The stored form of an asker's stand-in message (for tests that call the store directly).
pub fn stored(text: &str) -> String {
    let sealed = seal(text, None);
    pforte_domain::sealed::SealedBody::parse(
        1,
        None,
        1,
        sealed["iv"].as_str().unwrap(),
        sealed["ciphertext"].as_str().unwrap(),
    )
    .unwrap()
    .to_stored()
}

/// What a stored stand-in holds.
pub fn stored_text(body: &str) -> String {
    let body = pforte_domain::sealed::SealedBody::from_stored(body).expect("a sealed body");
    opened(&json!({ "ciphertext": body.ciphertext }))
}

/// Add a device (a fresh key) for the session `token` on the server at `base`; its id.
pub async fn add_device(http: &reqwest::Client, base: &str, token: &str) -> String {
    let response = http
        .post(format!("{base}/api/me/devices"))
        .bearer_auth(token)
        .json(&json!({"name": "Testgerät", "public_key": public_key()}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        reqwest::StatusCode::CREATED,
        "device added"
    );
    let device: Value = response.json().await.unwrap();
    device["id"].as_str().expect("a device").to_owned()
}

/// The accept body of the counselor of `token`: wrapped for each of their devices.
pub async fn accept_body(http: &reqwest::Client, base: &str, token: &str) -> Value {
    let devices: Value = http
        .get(format!("{base}/api/me/devices"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<String> = devices["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    grant(&ids)
}

/// The first device of the counselor of `token` (the one their login added).
pub async fn own_device(http: &reqwest::Client, base: &str, token: &str) -> String {
    let body = accept_body(http, base, token).await;
    body["keys"]["devices"][0]["device"]
        .as_str()
        .expect("a device")
        .to_owned()
}
