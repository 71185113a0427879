-- SQLite end-to-end workload, part 1 (tests/wasi/programs): creates and fills a database.
-- Run by the sqlite3 shell on a database file in a preopened directory, under skiff and
-- natively; part 2 (query.sql) then reads it back in a separate process.
PRAGMA page_size = 4096;
PRAGMA journal_mode = DELETE;
CREATE TABLE customer(id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT, joined TEXT);
CREATE TABLE orders(id INTEGER PRIMARY KEY, customer INTEGER REFERENCES customer(id),
                    amount REAL, item TEXT, note TEXT);
CREATE INDEX orders_customer ON orders(customer);
CREATE TABLE audit(n INTEGER);
INSERT INTO audit VALUES (0);
CREATE TRIGGER orders_count AFTER INSERT ON orders BEGIN UPDATE audit SET n = n + 1; END;
CREATE VIEW totals AS
  SELECT c.city, count(*) AS orders, round(sum(o.amount), 2) AS total
  FROM orders o JOIN customer c ON c.id = o.customer GROUP BY c.city;

BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
INSERT INTO customer
  SELECT i, 'customer-' || printf('%04d', i),
         CASE i % 5 WHEN 0 THEN 'Oslo' WHEN 1 THEN 'Lima' WHEN 2 THEN 'Pune' WHEN 3 THEN 'Kyiv' ELSE 'Nice' END,
         date('2020-01-01', '+' || (i * 37 % 1500) || ' days')
  FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO orders
  SELECT i, 1 + (i * 7919) % 2000, ((i * 104729) % 100000) / 100.0,
         'item-' || (i % 97), hex(zeroblob(i % 13))
  FROM n;
COMMIT;

-- A transaction that is rolled back leaves nothing behind.
BEGIN;
DELETE FROM orders WHERE amount > 10;
INSERT INTO customer VALUES (99999, 'ghost', 'Nowhere', NULL);
ROLLBACK;

UPDATE customer SET city = upper(city) WHERE id % 100 = 0;
DELETE FROM orders WHERE id % 1000 = 999;

CREATE VIRTUAL TABLE notes USING fts5(body);
INSERT INTO notes(rowid, body)
  SELECT id, item || ' shipped to ' || (SELECT city FROM customer WHERE customer.id = orders.customer)
  FROM orders WHERE id <= 3000;
CREATE TABLE docs(id INTEGER PRIMARY KEY, doc TEXT);
INSERT INTO docs
  SELECT id, json_object('id', id, 'tags', json_array('t' || (id % 3), 't' || (id % 4)), 'score', id * 1.5)
  FROM customer WHERE id <= 50;
ANALYZE;
VACUUM;
SELECT 'created', (SELECT count(*) FROM customer), (SELECT count(*) FROM orders), (SELECT n FROM audit);
