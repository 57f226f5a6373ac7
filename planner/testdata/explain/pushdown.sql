-- Filter push-down.
SET parallelism = 2;

-- Below a projection: the outer WHERE is rewritten over the subquery's
-- input and the two filters merge into one.
SELECT x FROM (SELECT n * 2 AS x, n FROM GENERATE_SERIES(1, 10) AS g(n) WHERE n > 1) AS sub WHERE x > 4;

-- Not below a projection whose column it reads is volatile.
SELECT t FROM (SELECT NOW() AS t, n FROM GENERATE_SERIES(1, 10) AS g(n)) AS sub WHERE t > TIMESTAMP '2024-01-01';

-- ... but reading only its other columns it still moves.
SELECT t FROM (SELECT NOW() AS t, n FROM GENERATE_SERIES(1, 10) AS g(n)) AS sub WHERE n > 5;

-- Below UNNEST: conjuncts on the input row move, those on the element stay.
SELECT line, word FROM FILE('in.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word)
WHERE LENGTH(line) > 10 AND word <> '' AND line LIKE 'a%' AND word <> line;

-- A filter only on the element stays where it is.
SELECT word FROM FILE('in.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) WHERE word = 'x';

-- Below an aggregate: conjuncts on keys only move, conjuncts on aggregate
-- results stay.
SELECT word, cnt FROM (
  SELECT word, COUNT(*) AS cnt FROM FILE('in.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word
) AS c WHERE word LIKE 'a%' AND cnt > 2 AND (word = 'x' OR cnt = 1);

-- HAVING on a key moves below the aggregate too.
SELECT n % 3 AS k, SUM(n) AS s FROM GENERATE_SERIES(1, 100) AS g(n) GROUP BY n % 3 HAVING n % 3 <> 0 AND SUM(n) > 10;

-- Under DISTINCT every column is a key, so the whole filter moves.
SELECT * FROM (SELECT DISTINCT n % 5 AS m FROM GENERATE_SERIES(1, 100) AS g(n)) AS d WHERE m > 1;

-- Down through several levels at once.
SELECT w FROM (
  SELECT w FROM (SELECT UPPER(line) AS w FROM FILE('in.txt')) AS a WHERE w <> ''
) AS b WHERE LENGTH(w) < 5;

-- Below UNNEST only conditions that cannot fail move: a CAST of a string
-- could fail for a row whose array is empty, which it would never have
-- seen above the UNNEST.
SELECT column1, w FROM (VALUES ('a', CAST(NULL AS STRING)), ('1', 'b')) AS v
CROSS JOIN UNNEST(SPLIT(column2, ',')) AS t(w)
WHERE CAST(column1 AS BIGINT) > 0 AND column1 <> 'z'
WITH (parallelism = 1);
