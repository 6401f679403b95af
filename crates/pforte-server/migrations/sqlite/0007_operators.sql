-- Operators (Administrator_innen) are counselor accounts with a flag; an operator may
-- deactivate an account (its sessions end, it can no longer log in) or reset its password to
-- a one-time password that must be changed at the next login. Every operator action is kept
-- in the audit log (who, what, when, before and after; never chat content), for
-- PFORTE_AUDIT_RETENTION. (0006 belongs to the chat hours.)
ALTER TABLE counselors ADD COLUMN operator INTEGER NOT NULL DEFAULT 0;
ALTER TABLE counselors ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE counselors ADD COLUMN deactivated INTEGER NOT NULL DEFAULT 0;

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    -- The operator's account (kept as a number: the entry outlives the account), NULL for
    -- the command line.
    actor_id    INTEGER,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
