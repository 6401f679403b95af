-- The websites (web origins, e.g. https://www.caritas-beispiel.de) that may embed a topic's
-- chat button and asker page. Written only through the operator command, which checks them.
CREATE TABLE topic_embed_origins (
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    origin   TEXT    NOT NULL,
    PRIMARY KEY (topic_id, origin)
);
