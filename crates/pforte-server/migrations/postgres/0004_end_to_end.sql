-- End-to-end encrypted chats: the server keeps public keys and wrapped content keys, and
-- messages only as ciphertext (`body` holds `e2e1 <key> <device> <counter> <iv> <ciphertext>`).
-- Messages stored as plain text before this version are deleted (their chats keep their
-- message counts): a readable message must not stay in the database.

-- The public key the asker's page made for the chat.
ALTER TABLE chats ADD COLUMN asker_key TEXT;

-- A counselor's devices ("Meine Geräte"): browsers and desktop apps, each with its public key.
CREATE TABLE devices (
    id           TEXT    PRIMARY KEY,
    counselor_id BIGINT  NOT NULL REFERENCES counselors (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    public_key   TEXT    NOT NULL,
    added_at     BIGINT  NOT NULL,
    -- The session that last added it (a login on that device): removing the device ends it.
    session_id   BIGINT,
    UNIQUE (counselor_id, public_key)
);

-- A chat's content keys, each wrapped for every reader: the asker (`reader` = 'asker') and
-- the devices of the counselor who made it. Keys of a counselor whose accept lost are never
-- read (the chat's counselor decides) and go with the chat.
CREATE TABLE chat_keys (
    chat_id      TEXT    NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    counselor_id BIGINT  NOT NULL,
    key_no       BIGINT  NOT NULL,
    reader       TEXT    NOT NULL,
    reader_key   TEXT    NOT NULL,
    wrapped      TEXT    NOT NULL,
    PRIMARY KEY (chat_id, counselor_id, key_no, reader)
);

DELETE FROM messages WHERE body NOT LIKE 'e2e1 %';
