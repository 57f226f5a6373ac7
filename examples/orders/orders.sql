-- Named sources and sinks, a view, and aggregates with FILTER and HAVING.
-- Reads orders.csv; writes the per-customer totals to out/totals.json.
CREATE SOURCE orders (id BIGINT, customer STRING, category STRING, amount DOUBLE)
  WITH (connector = 'file', path = 'orders.csv', format = 'csv');

-- Orders with a known amount.
CREATE VIEW priced AS SELECT * FROM orders WHERE amount IS NOT NULL;

CREATE SINK totals WITH (connector = 'file', path = 'out/totals.json', format = 'json');

-- One row per customer, kept up to date as orders arrive.
INSERT INTO totals
SELECT customer,
       COUNT(*) AS orders,
       SUM(amount) AS spent,
       COUNT(*) FILTER (WHERE category = 'games') AS games
FROM priced
GROUP BY customer
WITH (parallelism = 1);

-- Categories with more than one order, as a table.
SELECT category, COUNT(*) AS n, MAX(amount) AS biggest
FROM orders
GROUP BY category
HAVING COUNT(*) > 1
WITH (format = 'table');
