-- BIGINT(13), as the seed's sqlalchemy.dialects.mysql.BIGINT(13) rendered it.
ALTER TABLE books ADD COLUMN isbn BIGINT(13) NOT NULL;
