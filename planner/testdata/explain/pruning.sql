-- Column pruning and projection merging.
SET parallelism = 2;

-- UNNEST stops carrying the line once nothing above reads it.
SELECT word FROM FILE('in.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word);

-- ... and carries it when something does.
SELECT word, line FROM FILE('in.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word);

-- Unused aggregates are dropped, and so are their arguments.
SELECT k, s FROM (
  SELECT n % 3 AS k, SUM(n) AS s, MAX(n * 2) AS mx, COUNT(DISTINCT n + 1) AS c FROM GENERATE_SERIES(1, 10) AS g(n)
  GROUP BY n % 3
) AS a;

-- All aggregates unused: what is left is the DISTINCT of the keys.
SELECT k FROM (SELECT n % 3 AS k, COUNT(*) AS c FROM GENERATE_SERIES(1, 10) AS g(n) GROUP BY n % 3) AS a;

-- Unused columns of a subquery are not computed.
SELECT a FROM (SELECT n + 1 AS a, n * 2 AS b, UPPER(CAST(n AS STRING)) AS c FROM GENERATE_SERIES(1, 10) AS g(n)) AS s;

-- Stacked projections merge into one.
SELECT y + 1 AS z FROM (SELECT x * 2 AS y FROM (SELECT n + 1 AS x FROM GENERATE_SERIES(1, 10) AS g(n)) AS a) AS b;

-- A projection that renames nothing and keeps every column goes away.
SELECT * FROM (SELECT * FROM GENERATE_SERIES(1, 10)) AS s;

-- A volatile column is not inlined into the projection above it.
SELECT t, t AS u FROM (SELECT NOW() AS t FROM GENERATE_SERIES(1, 3)) AS s;
