-- Pforte's schema. Times are milliseconds since the Unix epoch (UTC).
-- Nothing here identifies an asker: no IP address, no account, no e-mail; only a hash of
-- the asker's token and a generated pseudonym.

CREATE TABLE topics (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    live_chat   INTEGER NOT NULL DEFAULT 0,
    chat_hours  TEXT
);

CREATE TABLE counselors (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL UNIQUE,
    display_name    TEXT    NOT NULL,
    password_hash   TEXT    NOT NULL,
    switched_on     INTEGER NOT NULL DEFAULT 0,
    absent          INTEGER NOT NULL DEFAULT 0,
    absence_message TEXT
);

CREATE TABLE counselor_topics (
    counselor_id INTEGER NOT NULL REFERENCES counselors (id) ON DELETE CASCADE,
    topic_id     INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    PRIMARY KEY (counselor_id, topic_id)
);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   TEXT    NOT NULL UNIQUE,
    counselor_id INTEGER NOT NULL REFERENCES counselors (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- A live-chat request; once accepted it is the conversation of the same id.
CREATE TABLE chats (
    id           TEXT    PRIMARY KEY,
    topic_id     INTEGER NOT NULL REFERENCES topics (id),
    token_hash   TEXT    NOT NULL UNIQUE,
    pseudonym    TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('waiting', 'request_ended', 'chatting', 'chat_ended')),
    entered_at   INTEGER NOT NULL,
    end_reason   TEXT,
    counselor_id INTEGER REFERENCES counselors (id) ON DELETE SET NULL,
    accepted_at  INTEGER,
    ended_at     INTEGER,
    ended_by     TEXT CHECK (ended_by IN ('asker', 'counselor'))
);
CREATE INDEX chats_state ON chats (state, ended_at);
CREATE INDEX chats_counselor ON chats (counselor_id);

CREATE TABLE messages (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    id      TEXT    NOT NULL UNIQUE,
    chat_id TEXT    NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    sender  TEXT    NOT NULL CHECK (sender IN ('asker', 'counselor')),
    body    TEXT    NOT NULL,
    sent_at INTEGER NOT NULL
);
CREATE INDEX messages_chat ON messages (chat_id, seq);

-- When a counselor counted as available ("Meine Statistik": time available).
CREATE TABLE availability_periods (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    counselor_id INTEGER NOT NULL REFERENCES counselors (id) ON DELETE CASCADE,
    started_at   INTEGER NOT NULL,
    ended_at     INTEGER
);
CREATE INDEX availability_by_counselor ON availability_periods (counselor_id, started_at);

-- Counts for "Meine Statistik" that outlive the deleted chats: no content, no asker.
CREATE TABLE counselor_activity (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    counselor_id INTEGER NOT NULL REFERENCES counselors (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('accepted', 'message', 'ended')),
    at           INTEGER NOT NULL
);
CREATE INDEX activity_by_counselor ON counselor_activity (counselor_id, at);
