-- Pforte's schema on PostgreSQL: the same tables and columns as the SQLite schema after all
-- its migrations, so both backends run the same statements. Times are milliseconds since the
-- Unix epoch (UTC); flags are integers 0/1 (as in SQLite). Nothing here identifies an asker.

CREATE TABLE topics (
    id          BIGSERIAL PRIMARY KEY,
    slug        TEXT   NOT NULL UNIQUE,
    name        TEXT   NOT NULL,
    live_chat   BIGINT NOT NULL DEFAULT 0,
    chat_hours  TEXT
);

CREATE TABLE topic_embed_origins (
    topic_id BIGINT NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    origin   TEXT   NOT NULL,
    PRIMARY KEY (topic_id, origin)
);

CREATE TABLE counselors (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT   NOT NULL UNIQUE,
    display_name    TEXT   NOT NULL,
    password_hash   TEXT   NOT NULL,
    switched_on     BIGINT NOT NULL DEFAULT 0,
    absent          BIGINT NOT NULL DEFAULT 0,
    absence_message TEXT
);

CREATE TABLE counselor_topics (
    counselor_id BIGINT NOT NULL REFERENCES counselors (id) ON DELETE CASCADE,
    topic_id     BIGINT NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    PRIMARY KEY (counselor_id, topic_id)
);

CREATE TABLE sessions (
    id           BIGSERIAL PRIMARY KEY,
    token_hash   TEXT   NOT NULL UNIQUE,
    counselor_id BIGINT NOT NULL REFERENCES counselors (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE chats (
    id              TEXT   PRIMARY KEY,
    topic_id        BIGINT NOT NULL REFERENCES topics (id),
    token_hash      TEXT   NOT NULL UNIQUE,
    pseudonym       TEXT   NOT NULL,
    state           TEXT   NOT NULL CHECK (state IN ('waiting', 'request_ended', 'chatting', 'chat_ended')),
    entered_at      BIGINT NOT NULL,
    end_reason      TEXT,
    counselor_id    BIGINT REFERENCES counselors (id) ON DELETE SET NULL,
    accepted_at     BIGINT,
    ended_at        BIGINT,
    ended_by        TEXT CHECK (ended_by IN ('asker', 'counselor')),
    message_count   BIGINT NOT NULL DEFAULT 0,
    last_message_at BIGINT
);
CREATE INDEX chats_state ON chats (state, ended_at);
CREATE INDEX chats_counselor ON chats (counselor_id);

CREATE TABLE messages (
    seq       BIGSERIAL PRIMARY KEY,
    id        TEXT   NOT NULL UNIQUE,
    chat_id   TEXT   NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    sender    TEXT   NOT NULL CHECK (sender IN ('asker', 'counselor')),
    body      TEXT   NOT NULL,
    sent_at   BIGINT NOT NULL,
    client_id TEXT,
    chat_seq  BIGINT
);
CREATE INDEX messages_chat ON messages (chat_id, seq);
CREATE UNIQUE INDEX messages_client_id ON messages (chat_id, client_id) WHERE client_id IS NOT NULL;

CREATE TABLE availability_periods (
    id           BIGSERIAL PRIMARY KEY,
    counselor_id BIGINT NOT NULL REFERENCES counselors (id) ON DELETE CASCADE,
    started_at   BIGINT NOT NULL,
    ended_at     BIGINT
);
CREATE INDEX availability_by_counselor ON availability_periods (counselor_id, started_at);

CREATE TABLE counselor_activity (
    id           BIGSERIAL PRIMARY KEY,
    counselor_id BIGINT NOT NULL REFERENCES counselors (id) ON DELETE CASCADE,
    kind         TEXT   NOT NULL CHECK (kind IN ('accepted', 'message', 'ended')),
    at           BIGINT NOT NULL
);
CREATE INDEX activity_by_counselor ON counselor_activity (counselor_id, at);

CREATE TABLE desk_log (
    seq      BIGINT PRIMARY KEY,
    at       BIGINT NOT NULL,
    instance BIGINT NOT NULL,
    entry    TEXT   NOT NULL
);

CREATE TABLE desk_snapshots (
    seq      BIGINT PRIMARY KEY,
    taken_at BIGINT NOT NULL,
    desk     TEXT   NOT NULL
);

CREATE TABLE instances (
    id          BIGSERIAL PRIMARY KEY,
    started_at  BIGINT NOT NULL,
    lease_until BIGINT NOT NULL
);
