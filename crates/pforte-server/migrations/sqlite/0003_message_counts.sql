-- Counts kept on the chat instead of counted on every read (an asker's every request looked
-- its chat up and counted its messages), and each message's number within its chat, given
-- in the order the messages were stored.
ALTER TABLE chats ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chats ADD COLUMN last_message_at INTEGER;
ALTER TABLE messages ADD COLUMN chat_seq INTEGER;
UPDATE chats SET
    message_count = (SELECT COUNT(*) FROM messages m WHERE m.chat_id = chats.id),
    last_message_at = (SELECT MAX(m.sent_at) FROM messages m WHERE m.chat_id = chats.id);
UPDATE messages SET chat_seq = (
    SELECT COUNT(*) FROM messages earlier
    WHERE earlier.chat_id = messages.chat_id AND earlier.seq <= messages.seq
);
