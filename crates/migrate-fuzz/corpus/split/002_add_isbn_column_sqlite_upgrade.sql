-- SQLite cannot add a NOT NULL column without a default.
ALTER TABLE books ADD COLUMN isbn BIGINT NOT NULL DEFAULT 0;
