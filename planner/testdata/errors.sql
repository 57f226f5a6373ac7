-- One case per line. Each line is a script run against the fixture catalog
-- of errors_test.go (sources words, clicks and lines, sinks out and typed,
-- view counts); its first error must be reported at the token that follows
-- the ERROR comment, with a message matching the quoted regular expression.

-- names
SELECT /* ERROR "^unknown column \"lin\" \\(did you mean \"line\"\\?\\)$" */ lin FROM words
SELECT /* ERROR "^unknown column \"zzz\" \\(columns: line\\)$" */ zzz FROM words
SELECT /* ERROR "^unknown column \"w.lin\" \\(did you mean \"line\"\\?\\)$" */ w.lin FROM words AS w
SELECT /* ERROR "^unknown column \"x\"$" */ x
SELECT /* ERROR "^column \"line\" is ambiguous \\(it could be words.line or t.line\\)$" */ line FROM words CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(line)
SELECT /* ERROR "^unknown table \"x\" \\(did you mean \"s\"\\?\\)$" */ x.line FROM words AS s
SELECT /* ERROR "^unknown table \"words\" \\(the FROM clause names w\\)$" */ words.line FROM words AS w
SELECT /* ERROR "^unknown table \"nope\"$" */ nope.* FROM words
SELECT /* ERROR "^unknown function LOWR \\(did you mean \"LOWER\"\\?\\)$" */ LOWR(line) FROM words
SELECT /* ERROR "^unknown function FROBNICATE$" */ FROBNICATE(1)
SELECT /* ERROR "^SOCKET is a source function; use it in FROM$" */ SOCKET('localhost:9100')
SELECT /* ERROR "^SELECT \\* needs a FROM clause" */ *
SELECT * FROM /* ERROR "^unknown source or view \"word\" \\(did you mean \"words\"\\?\\)$" */ word
SELECT * FROM /* ERROR "^unknown source or view \"nothing\"$" */ nothing
SELECT * FROM /* ERROR "^\"out\" is a sink; a query reads from sources and views$" */ out
SELECT * FROM /* ERROR "^SOCKET is a source function: call it, e.g. SOCKET\\(...\\)$" */ socket
SELECT * FROM /* ERROR "^\"words\" is not a function; write it without parentheses$" */ words('x')
SELECT * FROM /* ERROR "^unknown source function SOKET \\(did you mean \"SOCKET\"\\?\\) \\(accepted: SOCKET, FILE, GENERATE_SERIES, GENERATE_LINES\\)$" */ SOKET('x')
SELECT * FROM /* ERROR "^unknown source function FOO " */ FOO(x)

-- types of function arguments and operands
SELECT /* ERROR "^no function matches SPLIT\\(BIGINT, STRING\\): SPLIT expects \\(STRING, STRING\\)$" */ SPLIT(1, ' ')
SELECT /* ERROR "^no function matches SUBSTRING\\(STRING\\): SUBSTRING expects \\(STRING, BIGINT\\) or \\(STRING, BIGINT, BIGINT\\)$" */ SUBSTRING('abc')
SELECT /* ERROR "^no function matches LOWER\\(ARRAY<STRING>\\): LOWER expects \\(STRING\\)$" */ LOWER(tags) FROM clicks
SELECT /* ERROR "^no function matches RAISE_ERROR\\(BIGINT\\): RAISE_ERROR expects \\(STRING\\)$" */ RAISE_ERROR(1)
SELECT /* ERROR "^no function matches CARDINALITY\\(STRING\\): CARDINALITY expects \\(ARRAY\\)$" */ CARDINALITY(url) FROM clicks
SELECT /* ERROR "^no function matches CONCAT\\(STRING, ARRAY<STRING>\\): CONCAT cannot concatenate ARRAY<STRING>$" */ CONCAT(url, tags) FROM clicks
SELECT /* ERROR "^no function matches CONCAT\\(\\): CONCAT expects at least one argument$" */ CONCAT()
SELECT /* ERROR "^COALESCE expects at least one argument$" */ COALESCE()
SELECT COALESCE(url, /* ERROR "^COALESCE arguments mix STRING and BIGINT$" */ 1) FROM clicks
SELECT 'a' /* ERROR "^cannot apply \\+ to STRING and BIGINT$" */ + 1
SELECT ts /* ERROR "^cannot apply \\* to TIMESTAMP and BIGINT$" */ * 2 FROM clicks
SELECT 1 /* ERROR "^cannot compare BIGINT with STRING$" */ = 'a'
SELECT tags /* ERROR "^cannot compare ARRAY<STRING> with STRING$" */ < url FROM clicks
SELECT 1 /* ERROR "^cannot compare BIGINT with STRING in IN list$" */ IN (1, 'a')
SELECT url /* ERROR "^cannot concatenate ARRAY<STRING>$" */ || tags FROM clicks
SELECT /* ERROR "^NOT expects \\(BOOLEAN\\), got \\(BIGINT\\)$" */ NOT 5
SELECT /* ERROR "^unary - expects \\(BIGINT\\) or \\(DOUBLE\\) or \\(INTERVAL\\), got \\(STRING\\)$" */ -'a'
SELECT /* ERROR "^cannot apply unary \\+ to STRING$" */ +'a'
SELECT url /* ERROR "^LIKE expects \\(STRING, STRING\\), got \\(STRING, BIGINT\\)$" */ LIKE 1 FROM clicks
SELECT url /* ERROR "^NOT LIKE expects \\(STRING, STRING\\), got \\(STRING, BIGINT\\)$" */ NOT LIKE 1 FROM clicks
SELECT price /* ERROR "^IS TRUE expects a BOOLEAN operand, got \\(DOUBLE\\)$" */ IS TRUE FROM clicks
SELECT TRUE AND /* ERROR "^AND expects BOOLEAN operands, got BIGINT$" */ 1
SELECT /* ERROR "^OR expects BOOLEAN operands, got STRING$" */ url OR ok FROM clicks
SELECT price /* ERROR "^cannot compare DOUBLE with STRING$" */ BETWEEN 'a' AND 'z' FROM clicks
SELECT CASE WHEN ok THEN 1 ELSE /* ERROR "^CASE branches mix BIGINT and STRING$" */ 'a' END FROM clicks
SELECT CASE WHEN ok THEN 'a' WHEN price > 1 THEN /* ERROR "^CASE branches mix STRING and BOOLEAN$" */ ok END FROM clicks
SELECT CASE WHEN /* ERROR "^WHEN expects a BOOLEAN condition, got DOUBLE$" */ price THEN 1 END FROM clicks
SELECT CASE url WHEN /* ERROR "^cannot compare STRING with BIGINT$" */ 1 THEN 1 END FROM clicks

-- casts and literals
SELECT /* ERROR "^cannot cast BIGINT to TIMESTAMP$" */ CAST(1 AS TIMESTAMP)
SELECT /* ERROR "^cannot cast ARRAY<STRING> to STRING$" */ CAST(tags AS STRING) FROM clicks
SELECT /* ERROR "^cannot cast TIMESTAMP to BIGINT$" */ CAST(ts AS BIGINT) FROM clicks
SELECT CAST(1 AS /* ERROR "^unknown type FOO \\(accepted: BOOLEAN, BIGINT, DOUBLE, STRING, TIMESTAMP, INTERVAL, ARRAY<T>\\)$" */ FOO)
SELECT CAST(tags AS /* ERROR "^ARRAY needs an element type: ARRAY<STRING>$" */ ARRAY) FROM clicks
SELECT CAST(1 AS /* ERROR "^type BIGINT takes no element type$" */ BIGINT<STRING>)
SELECT /* ERROR "^bad timestamp '2024-13-45' \\(expected 'yyyy-mm-dd hh:mm:ss\\[.fff\\]' from 1677-09-21 to 2262-04-11\\)$" */ TIMESTAMP '2024-13-45'
SELECT /* ERROR "^\"abc second\" is not a duration" */ INTERVAL 'abc' SECOND
SELECT /* ERROR "^\"5 fortnights\" has an unknown unit \"fortnights\"" */ INTERVAL '5 fortnights'
SELECT /* ERROR "^\"99999999999 hour\" is out of range \\(the longest duration is about 292 years\\)$" */ INTERVAL '99999999999' HOUR
SELECT /* ERROR "^bad timestamp '9999-12-31 00:00:00' \\(expected 'yyyy-mm-dd hh:mm:ss\\[.fff\\]' from 1677-09-21 to 2262-04-11\\)$" */ TIMESTAMP '9999-12-31 00:00:00'
SELECT /* ERROR "^bad timestamp '1600-01-01'" */ TIMESTAMP '1600-01-01'
SELECT * FROM (VALUES (/* ERROR "^cannot cast '3000-01-01' to TIMESTAMP$" */ CAST('3000-01-01' AS TIMESTAMP)))

-- aggregates
SELECT /* ERROR "^column \"url\" must appear in the GROUP BY clause or be used in an aggregate function$" */ url, COUNT(*) FROM clicks GROUP BY user_id
SELECT user_id, /* ERROR "^column \"price\" must appear in the GROUP BY clause or be used in an aggregate function$" */ price + SUM(price) FROM clicks GROUP BY user_id
SELECT user_id FROM clicks GROUP BY user_id HAVING /* ERROR "^column \"price\" must appear in the GROUP BY clause" */ price > 1
SELECT /* ERROR "^column \"url\" must appear in the GROUP BY clause" */ url FROM clicks HAVING COUNT(*) > 1
SELECT url FROM clicks WHERE /* ERROR "^aggregate functions are not allowed in WHERE$" */ COUNT(*) > 1
SELECT SUM(/* ERROR "^aggregate function calls cannot be nested$" */ COUNT(*)) FROM clicks
SELECT COUNT(*) FROM clicks GROUP BY /* ERROR "^aggregate functions are not allowed in GROUP BY$" */ SUM(price)
SELECT COUNT(*) FILTER (WHERE /* ERROR "^aggregate functions are not allowed in FILTER$" */ SUM(price) > 1) FROM clicks
SELECT w FROM clicks CROSS JOIN UNNEST(/* ERROR "^aggregate functions are not allowed in UNNEST$" */ MAX(tags)) AS t(w)
SELECT /* ERROR "^SUM\\(\\*\\) is not allowed; \\* is only allowed in COUNT\\(\\*\\)$" */ SUM(*) FROM clicks
SELECT /* ERROR "^LOWER\\(\\*\\) is not allowed; \\* is only allowed in COUNT\\(\\*\\)$" */ LOWER(*) FROM clicks
SELECT /* ERROR "^DISTINCT is only allowed in aggregate functions, and LOWER is not one$" */ LOWER(DISTINCT url) FROM clicks
SELECT /* ERROR "^FILTER is only allowed after aggregate functions, and LOWER is not one$" */ LOWER(url) FILTER (WHERE ok) FROM clicks
SELECT /* ERROR "^COUNT takes one argument, got 2$" */ COUNT(url, price) FROM clicks
SELECT SUM(/* ERROR "^SUM expects a numeric argument, got STRING$" */ url) FROM clicks
SELECT AVG(/* ERROR "^AVG expects a numeric argument, got INTERVAL$" */ INTERVAL '1' SECOND) FROM clicks
SELECT MIN(/* ERROR "^MIN expects an argument with an order, got ARRAY<STRING>$" */ tags) FROM clicks
SELECT COUNT(*) FILTER (WHERE /* ERROR "^FILTER \\(WHERE \\.\\.\\.\\) expects a BOOLEAN condition, got DOUBLE$" */ price) FROM clicks
SELECT url, COUNT(*) FROM clicks GROUP BY /* ERROR "^GROUP BY position 3 is not in the select list \\(1 to 2\\)$" */ 3
SELECT url, COUNT(*) FROM clicks GROUP BY /* ERROR "^GROUP BY position 0 is not in the select list \\(1 to 2\\)$" */ 0
SELECT url AS u, COUNT(*) FROM clicks GROUP BY /* ERROR "^unknown column \"v\"" */ v

-- conditions
SELECT line FROM words WHERE /* ERROR "^WHERE must be a BOOLEAN condition, got STRING$" */ line
SELECT url FROM clicks GROUP BY url HAVING /* ERROR "^HAVING must be a BOOLEAN condition, got BIGINT$" */ COUNT(*)

-- FROM items
SELECT * FROM /* ERROR "^SOCKET takes one argument: SOCKET\\('host:port'\\)$" */ SOCKET()
SELECT * FROM SOCKET(/* ERROR "^SOCKET: the address must be a STRING, got BIGINT$" */ 9100)
SELECT * FROM SOCKET(/* ERROR "^SOCKET: bad value 'localhost' for address: expected host:port, e.g. 'localhost:9100'$" */ 'localhost')
SELECT * FROM SOCKET(/* ERROR "^SOCKET: bad value 'localhost:99999' for address: port \"99999\" is not a number from 1 to 65535$" */ 'localhost:99999')
SELECT * FROM /* ERROR "^FILE takes one argument: FILE\\('path'\\)" */ FILE('a', 'b')
SELECT * FROM FILE(/* ERROR "^FILE: the path must be a STRING, got NULL$" */ NULL)
SELECT * FROM FILE(/* ERROR "^FILE: bad value ' ' for path: must not be empty$" */ ' ')
SELECT * FROM /* ERROR "^GENERATE_SERIES takes \\(start, stop\\[, step\\]\\)$" */ GENERATE_SERIES(1)
SELECT * FROM GENERATE_SERIES(1, /* ERROR "^GENERATE_SERIES: stop must be a BIGINT, got STRING$" */ 'a')
SELECT * FROM GENERATE_SERIES(1, 10, /* ERROR "^GENERATE_SERIES: step must not be zero$" */ 0)
SELECT * FROM GENERATE_SERIES(1, /* ERROR "^unknown column \"x\"$" */ x)
SELECT * FROM GENERATE_SERIES(1, 10 /* ERROR "^division by zero$" */ / 0)
SELECT * FROM GENERATE_SERIES(1, /* ERROR "^aggregate functions are not allowed in GENERATE_SERIES arguments$" */ COUNT(*))
SELECT * FROM GENERATE_LINES(/* ERROR "^GENERATE_LINES: bad value '-1' for rows: expected a whole number of 0 or more$" */ -1)
SELECT * FROM /* ERROR "^GENERATE_LINES takes \\(\\[rows" */ GENERATE_LINES(1, 2, 3, 4, 5)
SELECT * FROM (VALUES (1, 2), (/* ERROR "^VALUES rows must all have 2 values; this one has 1$" */ 3))
SELECT * FROM (VALUES (1), (/* ERROR "^VALUES column 1 mixes BIGINT and STRING$" */ 'a'))
SELECT * FROM (VALUES (/* ERROR "^cannot cast 'x' to BIGINT$" */ CAST('x' AS BIGINT)))
SELECT * FROM (VALUES (/* ERROR "^unknown column \"a\"$" */ a))
SELECT * FROM (VALUES (1)) /* ERROR "^v has 1 column, but the alias names 2$" */ AS v(a, b)
SELECT * FROM words CROSS JOIN UNNEST(/* ERROR "^UNNEST expects an ARRAY, got STRING$" */ line) AS t(w)
SELECT * FROM words CROSS JOIN UNNEST(SPLIT(line, ' ')) /* ERROR "^UNNEST produces one column, but the alias names 2$" */ AS t(a, b)
SELECT * FROM words /* ERROR "^JOIN ... ON is not supported yet; only CROSS JOIN UNNEST\\(...\\) is$" */ JOIN clicks ON TRUE
SELECT * FROM words /* ERROR "^LEFT JOIN ... ON is not supported yet" */ LEFT JOIN clicks ON TRUE
SELECT * FROM words /* ERROR "^joining two relations is not supported yet; CROSS JOIN is supported with UNNEST\\(...\\) on its right$" */ , clicks
SELECT * FROM words /* ERROR "^joining two relations is not supported yet" */ CROSS JOIN (SELECT 1) AS s
SELECT * FROM (SELECT 1 WITH (/* ERROR "^job options belong to the outermost query$" */ parallelism = 2)) AS s

-- views
SELECT /* ERROR "^unknown column \"line\" \\(columns: word, cnt\\)$" */ line FROM counts
CREATE VIEW v AS SELECT 1 WITH (/* ERROR "^a view cannot have job options; give them to the query that uses it$" */ parallelism = 2)
CREATE VIEW v AS SELECT /* ERROR "^unknown column \"nope\"" */ nope FROM words
CREATE VIEW v AS SELECT 1 AS x; CREATE VIEW v AS SELECT x FROM /* ERROR "^view \"v\" refers to itself$" */ v
CREATE VIEW a AS SELECT 1 AS x; CREATE VIEW b AS SELECT x FROM a; CREATE VIEW a AS SELECT x FROM /* ERROR "^in view \"b\": view \"a\" refers to itself" */ b
CREATE SOURCE src (a BIGINT) WITH (connector = 'file', path = 'x', format = 'csv'); CREATE VIEW v AS SELECT a FROM src; CREATE SOURCE src (b BIGINT) WITH (connector = 'file', path = 'x', format = 'csv'); SELECT * FROM /* ERROR "^in view \"v\": unknown column \"a\"" */ v

-- job options
SELECT 1 WITH (/* ERROR "^unknown option \"paralelism\" \\(did you mean \"parallelism\"\\?\\) \\(accepted: job_name, state_dir, checkpoint_interval, checkpoint_min_pause, checkpoint_timeout, checkpoint_retention, checkpoints_retained, restart, restore, parallelism, on_error, source_log, mini_batch, format, result_mode\\)$" */ paralelism = 2)
SELECT 1 WITH (parallelism = 2, /* ERROR "^option \"parallelism\" is given twice$" */ parallelism = 3)
SELECT 1 WITH (checkpoint_interval = /* ERROR "^bad value '1 fortnight' for checkpoint_interval: \"1 fortnight\" has an unknown unit \"fortnight\" \\(use ms, s, min, h or d\\)$" */ '1 fortnight')
SELECT 1 WITH (checkpoint_interval = /* ERROR "^bad value 'soon' for checkpoint_interval: \"soon\" is not a duration \\(examples: '1s', '500ms', '1 min'\\)$" */ 'soon')
SELECT 1 WITH (checkpoint_timeout = /* ERROR "^bad value '0s' for checkpoint_timeout: must be greater than zero$" */ '0s')
SELECT 1 WITH (checkpoint_min_pause = /* ERROR "^bad value '-1s' for checkpoint_min_pause: must not be negative$" */ '-1s')
SELECT 1 WITH (restart = /* ERROR "^bad value 'fixed-delay\\(3\\)' for restart: fixed-delay takes \\(attempts, delay\\), e.g. 'fixed-delay\\(3, 10s\\)'$" */ 'fixed-delay(3)')
SELECT 1 WITH (restart = /* ERROR "^bad value 'sometimes' for restart: unknown restart strategy \"sometimes\" \\(accepted: none, fixed-delay, failure-rate, exponential-delay\\)$" */ 'sometimes')
SELECT 1 WITH (restart = /* ERROR "^bad value 'exponential-delay\\(1s, 1min, 0.5\\)' for restart: the multiplier must be a number of at least 1$" */ 'exponential-delay(1s, 1min, 0.5)')
SELECT 1 WITH (parallelism = /* ERROR "^bad value '0' for parallelism: expected a whole number from 1 to 1024$" */ 0)
SELECT 1 WITH (parallelism = /* ERROR "^bad value 'many' for parallelism: expected a whole number from 1 to 1024$" */ many)
SELECT 1 WITH (on_error = /* ERROR "^bad value 'ignore' for on_error: expected 'fail', 'skip' or 'dead_letter'$" */ 'ignore')
SELECT 1 WITH (format = /* ERROR "^bad value 'xml' for format: expected one of changelog, table, csv, json$" */ 'xml')
SELECT 1 WITH (restore = /* ERROR "^bad value 'yesterday' for restore: expected 'latest', 'none' or a checkpoint id$" */ 'yesterday')
SELECT 1 WITH (job_name = /* ERROR "^bad value 'a/b' for job_name: use letters, digits" */ 'a/b')
SELECT 1 WITH (checkpoint_retention = /* ERROR "^bad value 'keep' for checkpoint_retention: expected 'delete_on_cancellation' or 'retain_on_cancellation'$" */ 'keep')
SELECT 1 WITH (checkpoints_retained = /* ERROR "^bad value '0' for checkpoints_retained: expected a whole number from 1 to 1000$" */ 0)
SELECT 1 WITH (state_dir = /* ERROR "^bad value ' ' for state_dir: expected a directory path$" */ ' ')

-- INSERT and sinks
INSERT INTO /* ERROR "^unknown sink \"nope\"$" */ nope SELECT 1
INSERT INTO /* ERROR "^unknown sink \"words\"; it is a source, and INSERT writes to a sink$" */ words SELECT 1
INSERT INTO typed /* ERROR "^sink \"typed\" has 2 columns \\[word STRING, cnt DOUBLE\\], but the query produces 1 \\[line STRING\\]$" */ SELECT line FROM words
INSERT INTO typed SELECT line, /* ERROR "^column 2 \\(x\\) is STRING, but the sink's column cnt is DOUBLE$" */ line AS x FROM words
INSERT INTO typed SELECT /* ERROR "^column 1 \\(user_id\\) is BIGINT, but the sink's column word is STRING$" */ user_id, price FROM clicks
INSERT INTO out SELECT /* ERROR "^unknown column \"nope\"" */ nope FROM words
EXPLAIN SELECT /* ERROR "^unknown column \"nope\"" */ nope FROM words

-- CREATE SOURCE and CREATE SINK
CREATE SOURCE s WITH (connector = /* ERROR "^unknown source connector 'kafka' \\(accepted: datagen, file, socket\\)$" */ 'kafka')
CREATE SOURCE s WITH (connector = /* ERROR "^unknown source connector 'series' \\(accepted: datagen, file, socket\\)$" */ 'series')
CREATE SOURCE s WITH (connector = /* ERROR "^unknown source connector 'print' \\(accepted: datagen, file, socket\\)$" */ 'print')
CREATE SOURCE /* ERROR "^a source needs WITH \\(connector = '...'\\), one of: datagen, file, socket$" */ s WITH (path = 'x')
CREATE SOURCE /* ERROR "^the socket source needs the option address$" */ s WITH (connector = 'socket')
CREATE SOURCE s WITH (connector = 'socket', address = 'localhost:1', /* ERROR "^unknown option \"adress\" for the socket source \\(did you mean \"address\"\\?\\) \\(accepted: address, max_retries, format, delimiter, null_literal\\)$" */ adress = 'x')
CREATE SOURCE s WITH (connector = 'file', path = 'x', /* ERROR "^option \"path\" is given twice$" */ path = 'y')
CREATE SOURCE s WITH (connector = 'socket', address = /* ERROR "^bad value 'nohost' for address: expected host:port, e.g. 'localhost:9100'$" */ 'nohost')
CREATE SOURCE s WITH (connector = 'socket', address = 'localhost:1', max_retries = /* ERROR "^bad value '-1' for max_retries: expected a whole number of 0 or more$" */ -1)
CREATE SOURCE s (a BIGINT) WITH (connector = 'file', path = 'x', format = 'csv', delimiter = /* ERROR "^bad value ';;' for delimiter: expected a single character$" */ ';;')
CREATE SOURCE s (a BIGINT) WITH (connector = 'file', path = 'x', format = 'csv', header = /* ERROR "^bad value 'maybe' for header: expected true or false$" */ 'maybe')
CREATE SOURCE s WITH (connector = 'file', path = 'x', format = /* ERROR "^bad value 'xml' for format: expected one of lines, csv, json$" */ 'xml')
CREATE SOURCE s WITH (connector = 'datagen', zipf_s = /* ERROR "^bad value '1' for zipf_s: expected a number greater than 1$" */ 1)
CREATE SOURCE /* ERROR "^source \"s\": format 'csv' needs the columns to read: CREATE SOURCE name \\(col TYPE, \\.\\.\\.\\) WITH \\(\\.\\.\\.\\)$" */ s WITH (connector = 'file', path = 'x', format = 'csv')
CREATE SOURCE /* ERROR "^source \"s\": format 'lines' produces one STRING column, but 1 column declared: \\[a BIGINT\\]$" */ s (a BIGINT) WITH (connector = 'file', path = 'x')
CREATE SOURCE /* ERROR "^source \"s\": column \"t\": csv cannot hold ARRAY<STRING>$" */ s (t ARRAY<STRING>) WITH (connector = 'file', path = 'x', format = 'csv')
CREATE SOURCE s (a BIGINT, /* ERROR "^column \"a\" is declared twice$" */ a STRING) WITH (connector = 'file', path = 'x', format = 'csv')
CREATE SOURCE s (a /* ERROR "^unknown type FOO" */ FOO) WITH (connector = 'file', path = 'x', format = 'csv')
CREATE SINK s WITH (connector = /* ERROR "^unknown sink connector 'socket' \\(accepted: blackhole, file, print\\)$" */ 'socket')
CREATE SINK s WITH (connector = 'file', path = 'x', format = /* ERROR "^bad value 'lines' for format: expected one of changelog, csv, json$" */ 'lines')
CREATE SINK s WITH (connector = 'print', /* ERROR "^unknown option \"path\" for the print sink \\(accepted: format\\)$" */ path = 'x')
CREATE SINK s WITH (connector = 'blackhole', /* ERROR "^unknown option \"format\" for the blackhole sink \\(accepted: none\\)$" */ format = 'csv')
CREATE SINK /* ERROR "^the file sink needs the option path$" */ s WITH (connector = 'file')
SELECT 1 WITH (restart = /* ERROR "^bad value 'exponential-delay\\(10s, 1s, 2\\)' for restart: the initial delay 10s is longer than the maximum 1s$" */ 'exponential-delay(10s, 1s, 2)')
INSERT INTO /* ERROR "^unknown sink \"counts\"; it is a view, and INSERT writes to a sink$" */ counts SELECT line FROM words
INSERT INTO out /* ERROR "^sink \"out\" writes csv, which cannot hold column \"tags\" of type ARRAY<STRING>; use format 'json'$" */ SELECT tags FROM clicks
SELECT url /* ERROR "^LIKE pattern 'x\\\\' ends with an escape character$" */ LIKE 'x\' FROM clicks
SELECT /* ERROR "^bad regular expression '\\(': missing closing \\)$" */ REGEXP_EXTRACT(url, '(') FROM clicks
SELECT /* ERROR "^column \"a\" is ambiguous \\(s has 2 columns named a\\)$" */ a FROM (SELECT 1 AS a, 2 AS a) AS s
SELECT AVG(/* ERROR "^AVG expects a numeric argument, got BOOLEAN$" */ url > 'a') FROM clicks
SELECT CAST('1 min' AS INTERVAL), unnest FROM UNNEST(SPLIT('a b', ' ')) WHERE /* ERROR "^WHERE must be a BOOLEAN condition, got STRING$" */ unnest || 'x'
