-- Chat hours, covered shifts and seats (issue 11).
-- topics.schedule: the chat hours as JSON (time zone, weekly slots, dated exceptions, note;
--   see pforte_domain::schedule::storage), NULL: none set. Written only by the operator
--   command, which checks it.
-- seats: the most running live chats per counselor, NULL: unlimited.
-- counselors.shifts: the weekly slots the counselor covers, as JSON
--   [{"topic_id": 1, "slots": [{"day": "monday", "start": "10:00"}]}].
-- counselors.shift_auto_off: 1 if they are switched off when a shift ends.
ALTER TABLE topics ADD COLUMN schedule TEXT;
ALTER TABLE topics ADD COLUMN seats BIGINT CHECK (seats IS NULL OR seats >= 1);
ALTER TABLE counselors ADD COLUMN seats BIGINT CHECK (seats IS NULL OR seats >= 1);
ALTER TABLE counselors ADD COLUMN shifts TEXT NOT NULL DEFAULT '[]';
ALTER TABLE counselors ADD COLUMN shift_auto_off BIGINT NOT NULL DEFAULT 0;
