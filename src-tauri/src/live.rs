//! The dashboard's own live connection, opened by the shell on its behalf.
//!
//! The webview may not reach the network (CSP `connect-src ipc:`), and it never holds the
//! session's token. It asks the shell for a counselor socket (`live_open`); the shell opens
//! `/api/counselor/ws` on the session's server with the token in the `Authorization` header
//! and passes the messages on through a channel. No address is taken from the webview, so it
//! cannot reach any other server.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use crate::server::socket_url;
use crate::session::Session;

/// What the page hears from its socket.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LiveMessage {
    Open,
    Text {
        data: String,
    },
    /// The socket is gone; `code` is the server's close code, if it sent one.
    Closed {
        code: Option<u16>,
    },
}

struct Handle {
    outgoing: mpsc::UnboundedSender<String>,
    cancel: CancellationToken,
}

/// The open sockets, by id.
#[derive(Default)]
pub struct Sockets {
    next: AtomicU32,
    open: Mutex<HashMap<u32, Handle>>,
}

/// The longest message the page's socket accepts from the server.
const MAX_MESSAGE: usize = 1024 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl Sockets {
    /// Open a counselor socket for the page; `deliver` gets every message, the last one is
    /// always `Closed`.
    pub fn open(
        self: &Arc<Self>,
        session: Session,
        fresh: bool,
        deliver: impl Fn(LiveMessage) + Send + Sync + 'static,
    ) -> u32 {
        let id = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        let (outgoing, mut queued) = mpsc::unbounded_channel::<String>();
        let cancel = CancellationToken::new();
        if let Ok(mut open) = self.open.lock() {
            open.insert(
                id,
                Handle {
                    outgoing,
                    cancel: cancel.clone(),
                },
            );
        }
        let sockets = Arc::clone(self);
        tauri::async_runtime::spawn(async move {
            let code = tokio::select! {
                () = cancel.cancelled() => None,
                code = run(&session, fresh, &mut queued, &deliver) => code,
            };
            deliver(LiveMessage::Closed { code });
            if let Ok(mut open) = sockets.open.lock() {
                open.remove(&id);
            }
        });
        id
    }

    pub fn send(&self, id: u32, text: String) -> bool {
        self.open
            .lock()
            .ok()
            .and_then(|open| open.get(&id).map(|h| h.outgoing.send(text).is_ok()))
            .unwrap_or(false)
    }

    pub fn close(&self, id: u32) {
        if let Some(handle) = self.open.lock().ok().and_then(|mut open| open.remove(&id)) {
            handle.cancel.cancel();
        }
    }

    /// Close every page socket (the window went, or the session ended).
    pub fn close_all(&self) {
        if let Ok(mut open) = self.open.lock() {
            for (_, handle) in open.drain() {
                handle.cancel.cancel();
            }
        }
    }

    pub fn count(&self) -> usize {
        self.open.lock().map(|open| open.len()).unwrap_or(0)
    }
}

/// Connect and pump messages both ways until the socket ends; its close code, if any.
async fn run(
    session: &Session,
    fresh: bool,
    queued: &mut mpsc::UnboundedReceiver<String>,
    deliver: &(impl Fn(LiveMessage) + Send + Sync),
) -> Option<u16> {
    let url = socket_url(&session.server, fresh)?;
    let mut request = url.as_str().into_client_request().ok()?;
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", session.token).parse().ok()?,
    );
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE));
    let connecting = tokio_tungstenite::connect_async_with_config(request, Some(config), false);
    let (socket, _) = match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Ok(Ok(connected)) => connected,
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(response)))
            if response.status() == reqwest::StatusCode::UNAUTHORIZED =>
        {
            // As the server's close code for a refused token, so the page reacts the same.
            return Some(pforte_shell_core::decisions::CLOSE_UNAUTHORIZED);
        }
        _ => return None,
    };
    deliver(LiveMessage::Open);
    let (mut sink, mut stream) = socket.split();
    loop {
        tokio::select! {
            next = stream.next() => match next {
                Some(Ok(Message::Text(text))) => deliver(LiveMessage::Text { data: text.to_string() }),
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                // Pings are answered by tungstenite while reading.
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return None,
            },
            text = queued.recv() => match text {
                Some(text) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        return None;
                    }
                }
                None => return None,
            },
        }
    }
}
