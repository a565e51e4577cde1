-- PostgreSQL has no unsigned integers; BIGSERIAL gives the auto-incrementing BIGINT key.
CREATE TABLE books (
    id BIGSERIAL NOT NULL,
    title TEXT NOT NULL,
    author VARCHAR(64) NOT NULL,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    PRIMARY KEY (id)
);
