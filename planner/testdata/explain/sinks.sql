-- INSERT INTO named sinks.
SET parallelism = 3;

CREATE SOURCE words (line STRING) WITH (connector = 'socket', address = 'localhost:9100');
CREATE SINK out_csv WITH (connector = 'file', path = '/tmp/out.csv');
CREATE SINK out_json WITH (connector = 'file', path = '/tmp/out.json', format = 'json');
CREATE SINK out_log WITH (connector = 'file', path = '/tmp/out.log', format = 'changelog');
CREATE SINK nowhere WITH (connector = 'blackhole');
CREATE SINK console WITH (connector = 'print', format = 'table');
CREATE SINK console_default WITH (connector = 'print');
CREATE SINK counted (word STRING, cnt DOUBLE) WITH (connector = 'blackhole');
CREATE SINK typed_file (w STRING, n BIGINT, flag BOOLEAN) WITH (connector = 'file', path = '/tmp/typed.csv');

INSERT INTO out_csv SELECT word, COUNT(*) AS cnt FROM words CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word;
INSERT INTO out_json SELECT line FROM words;
INSERT INTO out_log SELECT line FROM words WHERE line <> '';

-- A blackhole runs beside its input, without a gather.
INSERT INTO nowhere SELECT line FROM words;
INSERT INTO nowhere SELECT word, COUNT(*) AS cnt FROM words CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word;

-- A print sink, with its format and with the session's.
INSERT INTO console SELECT line FROM words;
INSERT INTO console_default SELECT line FROM words WITH (format = 'json');

-- Declared columns: the query's columns are renamed to the sink's, and
-- BIGINT is widened to DOUBLE.
INSERT INTO counted SELECT word, COUNT(*) FROM words CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word;
INSERT INTO typed_file SELECT line, LENGTH(line), NULL FROM words;

-- EXPLAIN of an INSERT, and job options on an INSERT.
EXPLAIN PHYSICAL INSERT INTO out_csv SELECT line FROM words WITH (parallelism = 1, job_name = 'copy_words');
