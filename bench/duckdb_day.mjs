// duckdb_day.mjs: the reconciliation of bench/gen_day.py's day in DuckDB,
// for the side-by-side figure of bench/run.sh (the same classes as
// recon run with the default rules and grace-days 1).
//
//   node duckdb_day.mjs STATEMENT.csv LEDGER.csv[,HISTORY.csv...] OUT.csv
//
// Reads the canonical statement and the ledger exports from CSV, joins the
// statement to the day's due ledger items (full outer join) and to the whole
// ledger for rows of other days (lookups), classifies, writes the
// discrepancies to OUT.csv (class,reason,order_code,refund_code,
// ledger_amount,statement_amount,difference) and prints one line:
//   duckdb: SECONDS matched M pending P discrepancies D
import { DuckDBInstance } from '@duckdb/node-api';

const [stmt, ledgers, out] = process.argv.slice(2);
const t0 = performance.now();
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const q = (s) => "'" + s.replaceAll("'", "''") + "'";
const list = '[' + ledgers.split(',').map(q).join(', ') + ']';
const scols = `{'channel': 'VARCHAR', 'kind': 'VARCHAR', 'order_code': 'VARCHAR',
  'refund_code': 'VARCHAR', 'channel_txn_id': 'VARCHAR', 'amount': 'DECIMAL(18,2)',
  'currency': 'VARCHAR', 'fee': 'DECIMAL(18,2)', 'status': 'VARCHAR', 'time': 'TIMESTAMPTZ'}`;
const lcols = `{'order_code': 'VARCHAR', 'refund_code': 'VARCHAR', 'channel': 'VARCHAR',
  'kind': 'VARCHAR', 'amount': 'DECIMAL(18,2)', 'currency': 'VARCHAR', 'status': 'VARCHAR',
  'created_at': 'TIMESTAMPTZ', 'paid_at': 'TIMESTAMPTZ'}`;
// The statement day 2026-11-21 in +08:00 with a 00:00 cut-off.
const from = "TIMESTAMPTZ '2026-11-21 00:00:00+08'", to = "TIMESTAMPTZ '2026-11-22 00:00:00+08'";
await c.run(`CREATE TEMP TABLE d AS
WITH s AS (
  SELECT kind, CASE WHEN kind = 'REFUND' THEN refund_code ELSE order_code END AS k,
    order_code, refund_code, amount, currency,
    row_number() OVER (PARTITION BY kind, CASE WHEN kind = 'REFUND' THEN refund_code
                       ELSE order_code END ORDER BY time, line) AS rn
  FROM (SELECT *, row_number() OVER () AS line
        FROM read_csv(${q(stmt)}, header = true, columns = ${scols}))
  WHERE status = 'SUCCESS' AND kind IN ('PAY', 'REFUND')),
l AS (
  SELECT kind, CASE WHEN kind = 'REFUND' THEN refund_code ELSE order_code END AS k,
    order_code, refund_code, amount, currency, status,
    paid_at >= ${from} AND paid_at < ${to} AS due
  FROM read_csv(${list}, header = true, columns = ${lcols}) WHERE channel = 'wechat'),
j AS (
  SELECT s.kind AS skind, s.k AS sk, s.order_code AS so, s.refund_code AS sr, s.amount AS sa,
    s.currency AS sc, s.rn, l.kind AS lkind, l.k AS lk, l.order_code AS lo,
    l.refund_code AS lr, l.amount AS la, l.currency AS lc, l.status AS ls, l.due
  FROM s FULL OUTER JOIN l ON s.kind = l.kind AND s.k = l.k
  WHERE s.k IS NOT NULL OR l.due)
SELECT CASE
    WHEN sk IS NULL THEN 'PENDING'
    WHEN lk IS NULL THEN CASE WHEN skind = 'REFUND' THEN 'SHORT' ELSE 'LONG' END
    WHEN rn > 1 THEN 'LONG'
    WHEN sc <> lc THEN 'CURRENCY'
    WHEN ls <> 'SUCCESS' THEN 'MISSING'
    WHEN sa > la THEN 'LONG'
    WHEN sa < la THEN 'SHORT'
    ELSE 'MATCHED' END AS class,
  CASE
    WHEN sk IS NULL THEN ''
    WHEN lk IS NULL THEN 'NO_LEDGER'
    WHEN rn > 1 THEN 'DUPLICATE'
    WHEN sc <> lc THEN 'CURRENCY'
    WHEN ls <> 'SUCCESS' THEN 'STATUS'
    WHEN sa <> la THEN 'AMOUNT'
    ELSE '' END AS reason,
  coalesce(so, lo) AS order_code, coalesce(sr, lr, '') AS refund_code,
  la AS ledger_amount, sa AS statement_amount,
  CASE WHEN lk IS NULL OR ls <> 'SUCCESS' OR rn > 1 THEN sa ELSE sa - la END AS difference
FROM j`);
await c.run(`COPY (SELECT * FROM d WHERE class NOT IN ('MATCHED', 'PENDING')
  ORDER BY class, reason, order_code, refund_code) TO ${q(out)} (HEADER)`);
const r = await c.runAndReadAll(`SELECT count(*) FILTER (WHERE class = 'MATCHED'),
  count(*) FILTER (WHERE class = 'PENDING'), count(*) FILTER (WHERE class NOT IN ('MATCHED', 'PENDING'))
  FROM d`);
const [m, p, n] = r.getRows()[0];
console.log(`duckdb: ${((performance.now() - t0) / 1000).toFixed(3)} matched ${m} pending ${p} discrepancies ${n}`);
