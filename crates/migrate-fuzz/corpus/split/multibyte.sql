CREATE TABLE t (name TEXT DEFAULT 'é;ü');
INSERT INTO t VALUES ('日本;語'); -- 注釈;
SELECT 1;
