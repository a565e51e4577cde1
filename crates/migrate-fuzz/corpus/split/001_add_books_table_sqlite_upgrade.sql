-- SQLite auto-increments only an INTEGER PRIMARY KEY.
CREATE TABLE books (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    author VARCHAR(64) NOT NULL,
    created_at DATETIME,
    updated_at DATETIME
);
