-- The desk's commands as one ordered log, snapshots of the desk, and the server instances
-- that hold live connections (see ARCHITECTURE.md, "Several instances").
CREATE TABLE desk_log (
    seq      INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    instance INTEGER NOT NULL,
    entry    TEXT    NOT NULL
);

CREATE TABLE desk_snapshots (
    seq      INTEGER PRIMARY KEY,
    taken_at INTEGER NOT NULL,
    desk     TEXT    NOT NULL
);

CREATE TABLE instances (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at  INTEGER NOT NULL,
    lease_until INTEGER NOT NULL
);
