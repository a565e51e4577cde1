-- The seed's books table, as sqlalchemy's MySQL dialect created it.
CREATE TABLE books (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    title TEXT NOT NULL,
    author VARCHAR(64) NOT NULL,
    created_at DATETIME,
    updated_at DATETIME,
    PRIMARY KEY (id)
);
