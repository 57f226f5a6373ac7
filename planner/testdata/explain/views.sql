-- Views are expanded where they are used.
SET parallelism = 2;

CREATE SOURCE words (line STRING) WITH (connector = 'socket', address = 'localhost:9100');
CREATE VIEW word_list AS SELECT word FROM words CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) WHERE word <> '';
CREATE VIEW counts AS SELECT word, COUNT(*) AS cnt FROM word_list GROUP BY word;

SELECT * FROM counts;

-- A view's columns can be qualified by its name or by an alias.
SELECT counts.word FROM counts WHERE counts.cnt > 1;
SELECT c.word, c.cnt + 1 AS next FROM counts AS c WHERE c.word LIKE 'a%';

-- An alias with column names renames the view's columns.
SELECT w, n FROM counts AS c(w, n) WHERE n > 5;

-- A view over a view over a source.
CREATE VIEW long_words AS SELECT word FROM word_list WHERE LENGTH(word) > 8;
SELECT UPPER(word) AS w FROM long_words;
