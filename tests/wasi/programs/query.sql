-- SQLite end-to-end workload, part 2: reads back the database create.sql wrote.
.headers on
.mode list
PRAGMA integrity_check;
SELECT count(*) AS customers, count(DISTINCT city) AS cities FROM customer;
SELECT * FROM totals ORDER BY city;
SELECT n AS trigger_count FROM audit;
SELECT c.name, count(o.id) AS n, round(sum(o.amount), 2) AS spent
  FROM customer c LEFT JOIN orders o ON o.customer = c.id
  GROUP BY c.id ORDER BY spent DESC, c.id LIMIT 5;
SELECT item, count(*) AS n, round(avg(amount), 3) AS avg_amount,
       round(max(amount) - min(amount), 2) AS spread
  FROM orders GROUP BY item HAVING n > 200 ORDER BY n DESC, item LIMIT 5;
SELECT id, amount, rank() OVER (PARTITION BY customer ORDER BY amount DESC) AS r,
       round(sum(amount) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), 2) AS moving
  FROM orders WHERE customer = 42 ORDER BY id LIMIT 6;
SELECT strftime('%Y-%m', joined) AS month, count(*) AS n FROM customer
  GROUP BY month ORDER BY n DESC, month LIMIT 3;
SELECT rowid, highlight(notes, 0, '[', ']') AS hit FROM notes
  WHERE notes MATCH 'item NEAR(shipped OSLO)' ORDER BY rank, rowid LIMIT 3;
SELECT count(*) AS fts_hits FROM notes WHERE notes MATCH 'Pune OR Lima';
SELECT json_extract(doc, '$.tags[1]') AS tag, count(*) AS n, sum(json_extract(doc, '$.score')) AS score
  FROM docs GROUP BY tag ORDER BY tag;
SELECT value AS tag, count(*) AS n FROM docs, json_each(docs.doc, '$.tags') GROUP BY value ORDER BY value;
SELECT round(sqrt(2), 6) AS sqrt2, round(ln(10), 6) AS ln10, pow(2, 10) AS p, 7 / 2 AS idiv,
       7 % 3 AS m, typeof(1e400) AS big, printf('%.3e', 12345.678) AS sci;
SELECT quote(x'00ff') AS blob, length(zeroblob(100)) AS zb,
       unicode('é') AS u, char(9731) AS snowman, lower('ÄÖ') AS lw, instr('skiff', 'if') AS pos;
EXPLAIN QUERY PLAN SELECT * FROM orders WHERE customer = 7;
SELECT name, type FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE 'notes_%'
  ORDER BY name;
PRAGMA page_count;
PRAGMA freelist_count;
