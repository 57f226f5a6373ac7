-- Job options: the session's settings, overridden by WITH.
SET parallelism = 8;
SET checkpoint_interval = '10s';
SET restart = 'exponential-delay(1s, 1 min, 2)';

EXPLAIN PHYSICAL SELECT word, COUNT(*) AS cnt FROM FILE('in.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word;

EXPLAIN PHYSICAL SELECT word, COUNT(*) AS cnt FROM FILE('in.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word
WITH (parallelism = 2, checkpoint_interval = 'off', restart = 'failure-rate(3, 5 min, 10s)');

-- mini_batch is a flag of the aggregate: it changes what the aggregate emits, not what it keeps.
EXPLAIN PHYSICAL SELECT word, COUNT(*) AS cnt FROM FILE('in.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word
WITH (parallelism = 2, mini_batch = 'on');

EXPLAIN PHYSICAL SELECT line FROM SOCKET('localhost:9100')
WITH ('Checkpoint_Interval' = '1 min', restart = 'none', job_name = 'lines');

-- The job name does not depend on the options.
RESET;
SET parallelism = 1;
EXPLAIN PHYSICAL SELECT line FROM SOCKET('localhost:9100') WITH (restart = 'fixed-delay(1, 1s)');
EXPLAIN PHYSICAL SELECT line FROM SOCKET('localhost:9100');
