-- The id a client gave a message, so that a send retried after a lost answer is stored once.
ALTER TABLE messages ADD COLUMN client_id TEXT;
CREATE UNIQUE INDEX messages_client_id ON messages (chat_id, client_id) WHERE client_id IS NOT NULL;
