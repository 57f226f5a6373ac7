-- Named sources: CREATE SOURCE fills in the connector's defaults.
SET parallelism = 2;

CREATE SOURCE sock WITH (connector = 'socket', address = 'localhost:9100');
CREATE SOURCE sock_named (text STRING) WITH (connector = 'socket', address = '127.0.0.1:7000', max_retries = 3);
CREATE SOURCE log WITH (connector = 'file', path = '/var/log/app.log');
CREATE SOURCE people (id BIGINT, name VARCHAR, score DOUBLE, born TIMESTAMP(3))
  WITH (connector = 'file', path = '/data/people.csv', format = 'csv', header = true, delimiter = ';');
CREATE SOURCE events (id BIGINT, tags ARRAY<STRING>, ok BOOLEAN)
  WITH ('connector' = 'file', 'path' = '/data/events.json', 'format' = 'json');
CREATE SOURCE gen WITH (connector = 'datagen');
CREATE SOURCE gen_zero WITH (connector = 'datagen', rows = '00');
CREATE SOURCE gen_bounded WITH (connector = 'datagen', rows = 500, words_per_line = 4, vocabulary = 50, zipf_s = 1.5, seed = 7);

SELECT line FROM sock;
SELECT UPPER(text) AS t FROM sock_named;
SELECT line FROM log WHERE line LIKE '%ERROR%';
SELECT name, score * 2 AS s FROM people WHERE born > TIMESTAMP '2000-01-01';
SELECT id, tag FROM events CROSS JOIN UNNEST(tags) AS t(tag) WHERE ok;
SELECT line FROM gen;
SELECT line FROM gen_zero;
SELECT COUNT(*) AS n FROM gen_bounded;

-- A table alias replaces the source's name as qualifier.
SELECT p.name FROM people AS p;
SELECT p.name FROM people p;

-- Like the job option, a connector's format is case-insensitive.
CREATE SOURCE upper_lines WITH (connector = 'socket', address = 'localhost:9100', format = 'LINES');
CREATE SOURCE upper_csv (a BIGINT) WITH (connector = 'file', path = '/data/a.csv', format = 'CSV');
CREATE SINK upper_json WITH (connector = 'file', path = '/tmp/out.json', format = 'Json');
INSERT INTO upper_json SELECT line FROM upper_lines;
