-- Aggregation.
SET parallelism = 4;

CREATE SOURCE clicks (user_id BIGINT, url STRING, price DOUBLE, ok BOOLEAN, ts TIMESTAMP)
  WITH (connector = 'file', path = '/data/clicks.csv', format = 'csv');

-- Every aggregate function; an aggregate used twice is computed once.
SELECT user_id, COUNT(*) AS n, COUNT(url) AS urls, SUM(price) AS total, MIN(price) AS lo, MAX(url) AS hi,
       AVG(price) AS mean, SUM(price) / COUNT(*) AS mean2
FROM clicks GROUP BY user_id;

-- COUNT(DISTINCT), FILTER (WHERE ...), and the two combined.
SELECT user_id, COUNT(DISTINCT url) AS urls, COUNT(*) FILTER (WHERE price > 10) AS big,
       SUM(price) FILTER (WHERE ok) AS paid, COUNT(DISTINCT url) FILTER (WHERE ok) AS paid_urls,
       MIN(DISTINCT price) AS lo
FROM clicks GROUP BY user_id;

-- A global aggregate: one subtask, a gather instead of a hash exchange.
SELECT COUNT(*) AS n, SUM(price) AS total FROM clicks;

-- HAVING on aggregates, including one not in the select list.
SELECT url, COUNT(*) AS n FROM clicks GROUP BY url HAVING COUNT(*) > 1 AND AVG(price) < 100;

-- HAVING without GROUP BY makes a global aggregate.
SELECT COUNT(*) AS n FROM clicks HAVING COUNT(*) > 10;

-- GROUP BY an alias of the select list, and by position.
SELECT LOWER(url) AS u, COUNT(*) AS n FROM clicks GROUP BY u;
SELECT LOWER(url) AS u, user_id % 10 AS bucket, COUNT(*) AS n FROM clicks GROUP BY 1, 2;

-- An input column wins over an alias of the same name.
SELECT LOWER(url) AS url, COUNT(*) AS n FROM clicks GROUP BY url;

-- Expressions over keys and aggregates.
SELECT user_id + 1 AS next, COUNT(*) * 2 AS twice, CASE WHEN COUNT(*) > 1 THEN 'many' ELSE 'one' END AS how,
       COALESCE(SUM(price), 0) AS total
FROM clicks GROUP BY user_id;

-- Several keys, and a key that is not selected.
SELECT url, COUNT(*) AS n FROM clicks GROUP BY user_id, url;

-- DISTINCT.
SELECT DISTINCT url FROM clicks;
SELECT DISTINCT user_id, url FROM clicks WHERE ok;
SELECT DISTINCT COUNT(*) AS n FROM clicks GROUP BY url;

-- An aggregate over an aggregate, through a subquery.
SELECT n, COUNT(*) AS urls FROM (SELECT url, COUNT(*) AS n FROM clicks GROUP BY url) AS c GROUP BY n;

-- SUM of intervals, MIN and MAX of timestamps, aggregates of NULL.
SELECT MIN(ts) AS first, MAX(ts) AS last, SUM(INTERVAL '1' SECOND) AS secs, SUM(NULL) AS nothing FROM clicks;
