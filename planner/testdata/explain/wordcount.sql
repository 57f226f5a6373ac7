-- The word count of SPEC §1 and its variations.

-- The model case: the WHERE reads only the line, so it runs before UNNEST;
-- RAISE_ERROR is volatile and is neither folded nor lost.
SELECT word, COUNT(*) AS cnt
FROM SOCKET('localhost:9100') AS s
CROSS JOIN UNNEST(SPLIT(s.line, ' ')) AS t(word)
WHERE CASE WHEN s.line = 'ERROR' THEN RAISE_ERROR('custom error flag, restart application') ELSE TRUE END
GROUP BY word
WITH (checkpoint_interval = '1s', checkpoint_min_pause = '500ms', checkpoint_timeout = '60s',
      checkpoint_retention = 'retain_on_cancellation', restart = 'fixed-delay(3, 10s)', parallelism = 4);

-- A bounded file: the pre-aggregation projection is the identity and goes.
SELECT word, COUNT(*) AS cnt FROM FILE('big.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word
WITH (parallelism = 2);

-- Only the logical plan, then only the physical plan.
EXPLAIN LOGICAL SELECT word, COUNT(*) AS cnt FROM FILE('big.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word)
GROUP BY word WITH (parallelism = 2);
EXPLAIN PHYSICAL SELECT word, COUNT(*) AS cnt FROM FILE('big.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word)
GROUP BY word WITH (parallelism = 2);

-- Lower-cased words, empty ones dropped: the filter on the element stays
-- above UNNEST, the group key is computed before the exchange.
SET parallelism = 3;
SELECT LOWER(word) AS w, COUNT(*) AS cnt
FROM FILE('big.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word)
WHERE word <> ''
GROUP BY LOWER(word);

-- The comma form of the lateral join is the same as CROSS JOIN.
SELECT word, COUNT(*) AS cnt FROM FILE('big.txt') AS f, UNNEST(SPLIT(f.line, ' ')) AS t(word) GROUP BY word;
