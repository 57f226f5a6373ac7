-- The word count over a file: bounded, so the job ends FINISHED when the
-- file is read, and with format 'table' it prints the final result once.
SET format = 'table';
SELECT word, COUNT(*) AS cnt
FROM FILE('input.txt')
CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word)
GROUP BY word;
