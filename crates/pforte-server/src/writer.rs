//! Group commit for chat messages: one writer task takes every message waiting to be stored
//! and stores them in one transaction, so concurrent messages share one sync to disk. Each
//! sender still hears back only after the commit: an acknowledgment means "durable".

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::store::{Added, NewMessage, Store, StoreError, StoreResult};

/// The most messages in one transaction.
const MAX_BATCH: usize = 256;

type Reply = oneshot::Sender<StoreResult<Added>>;

#[derive(Clone)]
pub struct MessageWriter {
    queue: mpsc::Sender<(NewMessage, Reply)>,
}

impl MessageWriter {
    /// Start the writer task for `store`.
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (queue, incoming) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(write(store, incoming));
        Self { queue }
    }

    /// Store one message; answers once it is durable (or refused).
    pub async fn add(&self, message: NewMessage) -> StoreResult<Added> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((message, reply))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

async fn write(store: Arc<dyn Store>, mut incoming: mpsc::Receiver<(NewMessage, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while incoming.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (messages, replies): (Vec<NewMessage>, Vec<Reply>) = batch.drain(..).unzip();
        match store.add_messages(&messages).await {
            Ok(results) => {
                for (reply, result) in replies.into_iter().zip(results) {
                    let _ = reply.send(result);
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
