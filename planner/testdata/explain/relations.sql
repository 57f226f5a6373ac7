-- FROM items: subqueries, VALUES, GENERATE_SERIES, GENERATE_LINES, UNNEST.
SET parallelism = 2;

-- VALUES: the column types widen to a common one; an alias names the
-- columns, else they are column1, column2, ...
SELECT * FROM (VALUES (1, 'a', NULL), (2.5, 'b', NULL)) AS v(id, name, nothing);
SELECT * FROM VALUES (1, 'x'), (2, 'y');
SELECT column2 FROM (VALUES (1, 'x')) AS v WHERE column1 > 0;

-- An alias list may name only the first columns.
SELECT id, column2 FROM (VALUES (1, 'x')) AS v(id);

-- GENERATE_SERIES, with and without a step and an alias.
SELECT * FROM GENERATE_SERIES(1, 10);
SELECT n FROM GENERATE_SERIES(10, 1, -3) AS g(n);
SELECT g.generate_series FROM GENERATE_SERIES(0, 100, 10) AS g;

-- GENERATE_LINES (the datagen connector), bounded and not.
SELECT line FROM GENERATE_LINES(1000, 5, 100, 42);
SELECT line FROM GENERATE_LINES();

-- Subqueries with aliases, and qualified stars.
SELECT s.a, s.b FROM (SELECT n AS a, n * n AS b FROM GENERATE_SERIES(1, 5) AS g(n)) AS s;
SELECT s.* FROM (SELECT n AS a, n * n AS b FROM GENERATE_SERIES(1, 5) AS g(n)) AS s(x, y);
SELECT t.*, word FROM FILE('in.txt') AS t CROSS JOIN UNNEST(SPLIT(t.line, ' ')) AS u(word);

-- UNNEST on its own, of a constant array; and two UNNESTs in a row.
SELECT * FROM UNNEST(SPLIT('a b c', ' ')) AS t(letter);
SELECT * FROM UNNEST(SPLIT('a b c', ' '));
SELECT a, b FROM FILE('in.txt') CROSS JOIN UNNEST(SPLIT(line, ';')) AS x(a) CROSS JOIN UNNEST(SPLIT(a, ',')) AS y(b);

-- Quoted identifiers keep their case.
SELECT "Mixed" FROM (SELECT n AS "Mixed" FROM GENERATE_SERIES(1, 2) AS g(n)) AS s;
