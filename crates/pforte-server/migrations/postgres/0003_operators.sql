-- Operators, deactivated accounts, one-time passwords and the audit log: the same columns
-- as SQLite's 0007_operators.sql. (0002 belongs to the chat hours.)
ALTER TABLE counselors ADD COLUMN operator BIGINT NOT NULL DEFAULT 0;
ALTER TABLE counselors ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
ALTER TABLE counselors ADD COLUMN deactivated BIGINT NOT NULL DEFAULT 0;

CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_id    BIGINT,
    actor       TEXT   NOT NULL,
    action      TEXT   NOT NULL,
    target      TEXT   NOT NULL,
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
