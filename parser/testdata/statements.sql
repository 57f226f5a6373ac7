-- Every statement here must parse, format canonically (statements.golden)
-- and parse back to the same tree.
SELECT word, COUNT(*) AS cnt
FROM SOCKET('localhost:9100') AS s
CROSS JOIN UNNEST(SPLIT(s.line, ' ')) AS t(word)
WHERE CASE WHEN s.line = 'ERROR' THEN RAISE_ERROR('custom error flag, restart application') ELSE TRUE END
GROUP BY word
WITH (checkpoint_interval = '1s', checkpoint_min_pause = '500ms', checkpoint_timeout = '60s',
      checkpoint_retention = 'retain_on_cancellation', restart = 'fixed-delay(3, 10s)');
select * from t;
SELECT t.*, x FROM t;
SELECT DISTINCT a, b FROM t;
SELECT ALL a FROM t;
SELECT 1 + 2 * 3, (1 + 2) * 3, 1 - 2 - 3, 1 - (2 - 3), 7 / 2 % 3;
SELECT -5, - 5, -(5), - -5, -(-5), -x, -(-x), +x, -1.5, -0.0, 1e10, .5, 2.;
SELECT -9223372036854775808, 9223372036854775807;
SELECT NOT a, NOT NOT a, NOT a AND b, NOT (a AND b), a OR b AND c, (a OR b) AND c;
SELECT a = b, a <> b, a != b, a < b, a <= b, a > b, a >= b FROM t;
SELECT a IS NULL, a IS NOT NULL, a IS TRUE, a IS NOT FALSE, a = b IS NULL, (a IS NULL) = b FROM t;
SELECT a IN (1, 2, 3), a NOT IN ('x'), a + 1 IN (2) FROM t;
SELECT a BETWEEN 1 AND 10 AND b, a NOT BETWEEN x - 1 AND x + 1 FROM t;
SELECT a LIKE 'x%', a NOT LIKE '_y', a || 'b' LIKE c FROM t;
SELECT 'it''s', '', 'a' || 'b' || 'c';
SELECT "Mixed Case", "select", "a""b" FROM "My Table";
SELECT CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END FROM t;
SELECT CASE a WHEN 1 THEN 'one' END FROM t;
SELECT CAST(a AS BIGINT), CAST(b AS VARCHAR(10)), CAST(c AS ARRAY<STRING>), CAST(d AS DOUBLE) FROM t;
SELECT INTERVAL '5' SECOND, INTERVAL '10 min', TIMESTAMP '2024-01-02 03:04:05';
SELECT timestamp, count, source, job FROM t;
SELECT COUNT(*), COUNT(x), COUNT(DISTINCT x), SUM(x) FILTER (WHERE x > 0), AVG(y) FROM t GROUP BY z HAVING COUNT(*) > 1;
SELECT NOW(), CURRENT_TIMESTAMP, COALESCE(a, b, 'c'), SPLIT_INDEX(s, ',', 0) FROM t;
SELECT a FROM t1, t2;
SELECT a FROM t1 JOIN t2 ON t1.id = t2.id LEFT JOIN t3 ON t3.id = t1.id;
SELECT a FROM t1 LEFT OUTER JOIN t2 ON TRUE RIGHT JOIN t3 ON TRUE FULL OUTER JOIN t4 ON TRUE INNER JOIN t5 ON TRUE;
SELECT word FROM FILE('/tmp/in.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word);
SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(id, name);
SELECT * FROM VALUES (1), (2);
SELECT * FROM GENERATE_SERIES(1, 10, 2) AS g(n);
SELECT n FROM (SELECT n * 2 AS n FROM GENERATE_SERIES(1, 3)) AS sub WHERE n > 2;
SELECT x FROM t AS a, t b;
INSERT INTO out SELECT word, COUNT(*) FROM words GROUP BY word;
CREATE SOURCE words (line STRING) WITH (connector = 'socket', address = 'localhost:9100');
CREATE SOURCE IF NOT EXISTS clicks (user_id BIGINT, url VARCHAR, tags ARRAY<STRING>, ts TIMESTAMP(3))
  WITH ('connector' = 'file', 'path' = '/data/clicks.json', 'format' = 'json');
CREATE SINK out WITH (connector = 'file', path = '/tmp/out.csv', format = 'csv');
CREATE SINK IF NOT EXISTS bh (a BIGINT) WITH (connector = 'blackhole');
CREATE VIEW counts AS SELECT word, COUNT(*) AS c FROM words GROUP BY word;
CREATE VIEW IF NOT EXISTS v2 AS SELECT 1;
DROP SOURCE words;
DROP SINK IF EXISTS out;
DROP VIEW counts;
EXPLAIN SELECT 1;
EXPLAIN LOGICAL SELECT a FROM t WHERE a > 1;
EXPLAIN PHYSICAL INSERT INTO out SELECT a FROM t;
SET parallelism = 2;
SET 'checkpoint_interval' = '1s';
SET format TO table;
SET x.y.z = -1.5;
SET flag = TRUE;
RESET parallelism;
RESET;
RESET ALL;
SHOW SOURCES;
SHOW SINKS;
SHOW VIEWS;
SHOW JOBS;
SHOW SETTINGS;
SHOW FUNCTIONS;
SHOW CHECKPOINTS;
SHOW CHECKPOINTS FOR 'wordcount';
SHOW CHECKPOINTS FOR wordcount;
DESCRIBE words;
DESC words;
DESCRIBE JOB 'job-1';
CANCEL JOB 'job-1';
STOP JOB 'job-1';
STOP JOB 'job-1' WITH SAVEPOINT;
SELECT a /* inline comment */ FROM t -- trailing comment
;
SELECT CAST('1 min' AS INTERVAL), unnest FROM UNNEST(SPLIT('a b', ' '));
CREATE SOURCE timings (d INTERVAL, name STRING) WITH (connector = 'file', path = 't.csv', format = 'csv');
