-- The model case (SPEC §1): count the words of lines sent to a socket.
-- Start a line server first, e.g.   streamsql serve-lines --addr 127.0.0.1:9100
-- A line reading ERROR fails the job; with checkpoints it restarts from the
-- last checkpoint, three times, and the fourth failure ends it FAILED.
SELECT word, COUNT(*) AS cnt
FROM SOCKET('localhost:9100') AS s
CROSS JOIN UNNEST(SPLIT(s.line, ' ')) AS t(word)
WHERE CASE WHEN s.line = 'ERROR' THEN RAISE_ERROR('custom error flag, restart application') ELSE TRUE END
GROUP BY word
WITH (checkpoint_interval = '1s', checkpoint_min_pause = '500ms', checkpoint_timeout = '60s',
      checkpoint_retention = 'retain_on_cancellation', restart = 'fixed-delay(3, 10s)');
