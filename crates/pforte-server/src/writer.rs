//! Group commit for chat messages: one writer task takes every message waiting to be stored
//! and stores them in one transaction, so concurrent messages share one sync to disk. Each
//! sender still hears back only after the commit: an acknowledgment means "durable".
//!
//! With several instances (PostgreSQL) the writer then tells the others of what it stored,
//! `NOTIFY pforte_messages` with the ids: one notice per chat and batch, all notices of a
//! batch in one statement, sent by a second task after the replies, so neither the
//! acknowledgment nor the next batch waits for it.

use std::sync::Arc;

use pforte_domain::{CounselorId, InstanceId, RequestId};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::store::{Added, NewMessage, Store, StoreError, StoreResult};

/// The most messages in one transaction.
const MAX_BATCH: usize = 256;

/// The most ids in one notice: a payload has at most 8000 bytes (an id is 39 of them).
const IDS_PER_NOTICE: usize = 100;

type Reply = oneshot::Sender<StoreResult<Added>>;

/// Who is to hear of a stored message on the other instances: the chat's asker and its
/// counselor, if any.
#[derive(Clone, Copy, Debug)]
pub struct Tell {
    /// The instance that stored it (it delivers to its own sockets itself).
    pub instance: InstanceId,
    pub counselor: Option<CounselorId>,
}

/// A notice on `pforte_messages`: new messages of one chat, by id (the instances that hold
/// the chat's sockets fetch them).
#[derive(Debug, Serialize, Deserialize)]
pub struct MessageNotice {
    pub instance: u32,
    pub chat: Uuid,
    pub counselor: Option<i64>,
    pub ids: Vec<Uuid>,
}

#[derive(Clone)]
pub struct MessageWriter {
    queue: mpsc::Sender<(NewMessage, Option<Tell>, Reply)>,
}

impl MessageWriter {
    /// Start the writer task for `store`.
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (queue, incoming) = mpsc::channel(4 * MAX_BATCH);
        let notices = store.notifications_url().is_some().then(|| {
            let (notices, outgoing) = mpsc::unbounded_channel();
            tokio::spawn(tell(store.clone(), outgoing));
            notices
        });
        tokio::spawn(write(store, incoming, notices));
        Self { queue }
    }

    /// Store one message; answers once it is durable (or refused). With `tell`, the other
    /// instances hear of it after the commit.
    pub async fn add(&self, message: NewMessage, tell: Option<Tell>) -> StoreResult<Added> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((message, tell, reply))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

async fn write(
    store: Arc<dyn Store>,
    mut incoming: mpsc::Receiver<(NewMessage, Option<Tell>, Reply)>,
    notices: Option<mpsc::UnboundedSender<Vec<String>>>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while incoming.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let mut messages = Vec::with_capacity(batch.len());
        let mut tells = Vec::with_capacity(batch.len());
        let mut replies = Vec::with_capacity(batch.len());
        for (message, tell, reply) in batch.drain(..) {
            messages.push(message);
            tells.push(tell);
            replies.push(reply);
        }
        match store.add_messages(&messages).await {
            Ok(results) => {
                let told = notices
                    .as_ref()
                    .map(|_| notices_of(&messages, &tells, &results));
                for (reply, result) in replies.into_iter().zip(results) {
                    let _ = reply.send(result);
                }
                if let (Some(notices), Some(told)) = (&notices, told) {
                    if !told.is_empty() {
                        let _ = notices.send(told);
                    }
                }
            }
            Err(error) => {
                let text = error.to_string();
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Failed(text.clone())));
                }
            }
        }
    }
}

/// The notices for the messages of a batch stored now: one per chat (in the order of the
/// chats' first messages), its ids in the order they were stored.
fn notices_of(
    messages: &[NewMessage],
    tells: &[Option<Tell>],
    results: &[StoreResult<Added>],
) -> Vec<String> {
    let mut chats: Vec<(RequestId, Tell, Vec<Uuid>)> = Vec::new();
    for ((message, tell), result) in messages.iter().zip(tells).zip(results) {
        let (Some(tell), Ok(Added::Now { .. })) = (tell, result) else {
            continue;
        };
        let chat = message.message.chat;
        match chats.iter_mut().find(|(c, _, _)| *c == chat) {
            Some((_, _, ids)) => ids.push(message.message.id),
            None => chats.push((chat, *tell, vec![message.message.id])),
        }
    }
    let mut notices = Vec::new();
    for (chat, tell, ids) in chats {
        for ids in ids.chunks(IDS_PER_NOTICE) {
            let notice = MessageNotice {
                instance: tell.instance.0,
                chat: chat.0,
                counselor: tell.counselor.map(|c| c.0),
                ids: ids.to_vec(),
            };
            if let Ok(text) = serde_json::to_string(&notice) {
                notices.push(text);
            }
        }
    }
    notices
}

/// Send the notices, in order, as many as are waiting in one statement.
async fn tell(store: Arc<dyn Store>, mut outgoing: mpsc::UnboundedReceiver<Vec<String>>) {
    let mut waiting = Vec::new();
    while outgoing.recv_many(&mut waiting, 64).await > 0 {
        let notices: Vec<String> = waiting.drain(..).flatten().collect();
        if let Err(error) = store.notify_all(crate::reception::MESSAGES, &notices).await {
            tracing::warn!(%error, "telling the other instances of messages failed");
        }
    }
}
