-- Projections, expressions and constant folding.
SET parallelism = 2;

-- Arithmetic and strings on constants fold; operands are parenthesized in
-- the output so that it is never ambiguous.
SELECT 1 + 2 * 3 AS a, (1 + 2) * 3 AS b, 7 / 2 AS c, 7 % 3 AS d, 1 + 2.5 AS e, 'a' || 'b' || 1 AS f,
       -(-5) AS g, UPPER('x') AS h, LENGTH('héllo') AS i;

-- Folding never hides a runtime error, nor evaluates volatile functions.
SELECT 1 / 0 AS div, NOW() AS now, CURRENT_TIMESTAMP AS ts, RAISE_ERROR('boom') AS err;

-- Literals of every type, and typed NULLs.
SELECT TRUE, NULL, CAST(NULL AS BIGINT), INTERVAL '5' SECOND, INTERVAL '1 min', TIMESTAMP '2024-01-02 03:04:05',
       CAST('12' AS BIGINT), CAST(2.7 AS BIGINT), CAST('abc' AS BIGINT), 1.5e10, 0.001;

-- Expressions over columns: only the constant parts fold.
SELECT n + (1 + 1) AS a, n * 1.5 AS b, n BETWEEN 1 AND 10 AS c, n NOT BETWEEN 1 AND 10 AS d,
       n IN (1, 2, NULL) AS e, n NOT IN (3) AS f, n IS NULL AS g, n IS NOT NULL AS h, (n > 1) IS TRUE AS i,
       CAST(n AS STRING) LIKE '1%' AS j, CAST(n AS STRING) NOT LIKE '_' AS k, -n AS l, +n AS m
FROM GENERATE_SERIES(1, 10) AS g(n);

-- Logic: TRUE and FALSE operands fold away; AND and OR are n-ary.
SELECT n > 1 AND TRUE AS a, n > 1 AND FALSE AS b, n > 1 OR TRUE AS c, n > 1 OR FALSE AS d,
       n > 1 AND n < 5 AND n <> 3 AS e, n = 1 OR (n = 2 OR n = 3) AS f, NOT (n > 1) AS g, NOT TRUE AS h
FROM GENERATE_SERIES(1, 10) AS g(n);

-- CASE: arms with a constant condition fold; the simple form compares the
-- operand; branches widen to a common type; COALESCE is a lazy CASE.
SELECT CASE WHEN FALSE THEN 'never' WHEN n > 5 THEN 'big' ELSE 'small' END AS a,
       CASE WHEN TRUE THEN n ELSE 0 END AS b,
       CASE WHEN n > 5 THEN 1 WHEN 1 = 1 THEN 2.5 ELSE 3 END AS c,
       CASE n WHEN 1 THEN 'one' WHEN 2 THEN 'two' END AS d,
       COALESCE(NULL, n, 0) AS e, COALESCE(n) AS f, COALESCE(NULL, 1.5, n) AS g
FROM GENERATE_SERIES(1, 10) AS g(n);

-- WHERE TRUE (after folding) disappears; WHERE FALSE stays.
SELECT n FROM GENERATE_SERIES(1, 3) AS g(n) WHERE 1 = 1;
SELECT n FROM GENERATE_SERIES(1, 3) AS g(n) WHERE 1 = 2;
SELECT n FROM GENERATE_SERIES(1, 3) AS g(n) WHERE n > 1 OR 1 = 1;

-- Scalar functions and casts of columns.
SELECT SPLIT(line, ',') AS parts, SPLIT_INDEX(line, ',', 0) AS first, TRIM(line) AS t, SUBSTRING(line, 2, 3) AS s,
       CONCAT(line, '!', 1) AS c, REPLACE(line, 'a', 'b') AS r, REGEXP_EXTRACT(line, '(\d+)', 1) AS re,
       ABS(LENGTH(line) - 10) AS ab, ROUND(LENGTH(line) / 3.0, 2) AS ro, CARDINALITY(SPLIT(line, ' ')) AS card,
       CAST(line AS DOUBLE) AS d, CAST(SPLIT(line, ' ') AS ARRAY<BIGINT>) AS arr
FROM FILE('in.txt');

-- No FROM: one empty row.
SELECT 'hello' AS greeting;

-- Column naming: alias, column name, function name, else expr$N.
SELECT n, n AS m, ABS(n), n + 1, g.n FROM GENERATE_SERIES(1, 3) AS g(n);
