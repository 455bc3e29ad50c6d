#!/usr/bin/env python3
"""Compare a run's discrepancies.csv with the generator's expected.csv.

    check.py expected.csv discrepancies.csv corrections.csv

Every expected row must be there and nothing else (as multisets of whole
rows); discrepancies.csv must be in its documented order (channel, class,
reason, key, source line); corrections.csv must hold one order per
discrepancy, with the action its class calls for and unique keys.
Prints one summary line per class/reason; exit status 1 on any mismatch.
"""
import collections
import csv
import sys


def rows(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        head = next(r)
        return head, [tuple(x) for x in r]


def main():
    eh, exp = rows(sys.argv[1])
    dh, got = rows(sys.argv[2])
    ch, corr = rows(sys.argv[3])
    bad = 0
    if eh != dh:
        print("header differs:", dh)
        bad = 1
    want, have = collections.Counter(exp), collections.Counter(got)
    missing = want - have
    extra = have - want
    for label, c in (("missing", missing), ("extra", extra)):
        for row, n in sorted(c.items())[:20]:
            print("%s (%d): %s" % (label, n, ",".join(row)))
        if c:
            print("%d %s in all" % (sum(c.values()), label))
            bad = 1

    def order_key(r):
        key = r[5] if r[5] else r[4]
        src = r[13]
        name, _, line = src.rpartition(":")
        return (r[1], r[2], r[3], key.encode(), (name, int(line)) if name else (src, 0))
    for a, b in zip(got, got[1:]):
        if order_key(a) > order_key(b):
            print("out of order:", ",".join(a), "before", ",".join(b))
            bad = 1
            break

    action = {("MISSING", "STATUS"): None, ("LONG", "NO_LEDGER"): "REFUND",
              ("LONG", "DUPLICATE"): "REFUND", ("LONG", "AMOUNT"): "ADJUST",
              ("SHORT", "AMOUNT"): "ADJUST"}
    if len(corr) != len(got):
        print("corrections: %d, discrepancies: %d" % (len(corr), len(got)))
        bad = 1
    keys = collections.Counter(c[0] for c in corr)
    if any(n > 1 for n in keys.values()) or any(len(k) != 32 for k in keys):
        print("correction keys not unique 32-digit keys")
        bad = 1
    for d, c in zip(got, corr):
        want_action = action.get((d[2], d[3]), "INVESTIGATE")
        if (d[2], d[3]) == ("MISSING", "STATUS"):
            want_action = "MARK_PAID" if d[7] == d[8] else "INVESTIGATE"
        if c[3] != want_action or c[2] != d[1] or c[4] != d[4] or c[5] != d[5] or c[8] != d[3]:
            print("correction does not fit:", ",".join(c), "for", ",".join(d))
            bad = 1
            break

    by = collections.Counter((r[2], r[3]) for r in got)
    for (cls, reason), n in sorted(by.items()):
        print("%s/%s %d" % (cls, reason, n))
    print("%d discrepancies, %d expected: %s" % (len(got), len(exp), "FAIL" if bad else "ok"))
    return bad


if __name__ == "__main__":
    sys.exit(main())
