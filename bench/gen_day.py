#!/usr/bin/env python3
"""Write one channel's day for benchmarking `recon run`, streaming.

    gen_day.py --rows N [--seed S] OUT_DIR

OUT_DIR gets recon.conf (channel wechat: canonical-csv, +08:00, grace 1),
ledger.csv (ledger-csv: N items paid on 2026-11-21, China time) and
statements/wechat/2026-11-21.csv (canonical-csv: about N rows, in an order
unrelated to the ledger's, so the run really sorts). About 1 in 1,000
items carries a discrepancy (missing callback, amount, duplicate, no
ledger, not on the statement), as on a real day. Memory stays small
whatever N: rows are written as they are made, and the statement order is
an affine permutation of the ledger's.
"""
import argparse
import datetime as dt
import math
import os
import random

TZ = dt.timezone(dt.timedelta(hours=8))
DAY = dt.datetime(2026, 11, 21, tzinfo=TZ)


def iso(t):
    return dt.datetime.fromtimestamp(t, TZ).isoformat()


def yuan(fen):
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return "%s%d.%02d" % (sign, fen // 100, fen % 100)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("out")
    a = ap.parse_args()
    n = a.rows
    rng = random.Random(a.seed)
    start = int(DAY.timestamp())
    os.makedirs(os.path.join(a.out, "statements", "wechat"), exist_ok=True)
    with open(os.path.join(a.out, "recon.conf"), "w") as f:
        f.write("[ledger]\n\tdatabase = recon.db\n[output]\n\tdir = out\n"
                "[channel \"wechat\"]\n\tformat = canonical-csv\n"
                "\tsource = statements/wechat/{date}.csv\n\ttimezone = +08:00\n"
                "\tcutoff = 00:00\n\tgrace-days = 1\n")

    # One pass decides each item; the statement is then written in a
    # permuted order, recomputing each item from its own seed.
    def item(i):
        r = random.Random(a.seed * 1000003 + i)
        refund = r.random() < 0.04
        code = "2026112100%010d" % i
        amt = max(1, int(math.exp(r.gauss(8.5, 1.2))))
        paid = start + i * 86400 // n
        x = r.random()
        fate = "ok"
        if x < 0.0003:
            fate = "missing"       # ledger PENDING, statement SUCCESS
        elif x < 0.0005:
            fate = "amount"
        elif x < 0.0007:
            fate = "duplicate"
        elif x < 0.0009:
            fate = "absent"        # not on the statement: suspense
        elif x < 0.0010:
            fate = "no_ledger"
        return refund, code, amt, paid, fate, r

    with open(os.path.join(a.out, "ledger.csv"), "w") as f:
        f.write("order_code,refund_code,channel,kind,amount,currency,status,created_at,paid_at\n")
        out = []
        for i in range(n):
            refund, code, amt, paid, fate, _ = item(i)
            if fate == "no_ledger":
                continue
            if refund:
                line = "%s,RF%s,wechat,REFUND,%s,CNY,SUCCESS,%s,%s\n" % (
                    code, code[2:], yuan(-amt), iso(paid - 5), iso(paid))
            elif fate == "missing":
                line = "%s,,wechat,PAY,%s,CNY,PENDING,%s,\n" % (code, yuan(amt), iso(paid - 5))
            else:
                line = "%s,,wechat,PAY,%s,CNY,SUCCESS,%s,%s\n" % (
                    code, yuan(amt), iso(paid - 5), iso(paid))
            out.append(line)
            if len(out) >= 10000:
                f.write("".join(out))
                out = []
        f.write("".join(out))

    # a * j + b mod n visits every item once, far from ledger order
    mult = 1000003
    while math.gcd(mult, n) != 1:
        mult += 2
    off = rng.randrange(n) if n else 0
    with open(os.path.join(a.out, "statements", "wechat", "2026-11-21.csv"), "w") as f:
        f.write("channel,kind,order_code,refund_code,channel_txn_id,amount,currency,fee,"
                "status,time\n")
        out = []
        for j in range(n):
            i = (mult * j + off) % n
            refund, code, amt, paid, fate, r = item(i)
            if fate == "absent":
                continue
            samt = amt + 1 if fate == "amount" else amt
            if refund:
                row = "wechat,REFUND,%s,RF%s,42%018d,%s,CNY,0.00,SUCCESS,%s\n" % (
                    code, code[2:], i, yuan(-samt), iso(paid + 3))
            else:
                row = "wechat,PAY,%s,,42%018d,%s,CNY,%s,SUCCESS,%s\n" % (
                    code, i, yuan(samt), yuan(samt * 6 // 1000), iso(paid + 3))
            out.append(row)
            if fate == "duplicate":
                out.append(row)
            if len(out) >= 10000:
                f.write("".join(out))
                out = []
        f.write("".join(out))


if __name__ == "__main__":
    main()
