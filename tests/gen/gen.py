#!/usr/bin/env python3
"""Generate a reconciliation workspace with known, injected discrepancies.

    gen.py --orders N --seed S [--date YYYY-MM-DD] --out DIR

writes into DIR: recon.conf (two channels: alpha in +08:00, beta in
America/Los_Angeles with a 02:00 cut-off, both grace-days 0), ledger.csv
(ledger-csv), statements/<channel>/<date>.csv (canonical-csv) and
expected.csv: every discrepancy the day must report, as discrepancies.csv
rows (check.py compares them). The same seed gives the same bytes.

Besides the injected discrepancies it writes traps that must NOT be
reported: unpaid ledger orders nobody paid, FAILED and FEE statement rows,
rows for items paid on the day before (never reconciled) or settled early
(paid just after the window), the same order code in both channels.
"""
import argparse
import datetime as dt
import os
import random
import zoneinfo

CHANNELS = {
    # name: (timezone, cutoff minutes, currency, conf timezone text)
    "alpha": ("+08:00", 0, "CNY"),
    "beta": ("America/Los_Angeles", 120, "USD"),
}
HEADER_LEDGER = "order_code,refund_code,channel,kind,amount,currency,status,created_at,paid_at"
HEADER_STMT = "channel,kind,order_code,refund_code,channel_txn_id,amount,currency,fee,status,time"
HEADER_EXPECT = ("date,channel,class,reason,order_code,refund_code,channel_txn_id,ledger_amount,"
                 "statement_amount,difference,currency,ledger_status,statement_status,source")


def zone(spec):
    if spec[0] in "+-":
        sign = 1 if spec[0] == "+" else -1
        h, m = spec[1:].split(":")
        return dt.timezone(sign * dt.timedelta(hours=int(h), minutes=int(m)))
    return zoneinfo.ZoneInfo(spec)


def window(ch, day):
    tzs, cutoff, _ = CHANNELS[ch]
    z = zone(tzs)
    start = dt.datetime.combine(day, dt.time(), tzinfo=z) + dt.timedelta(minutes=cutoff)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=z) + \
        dt.timedelta(minutes=cutoff)
    # wall-clock arithmetic above; convert to UTC epoch seconds
    return int(start.timestamp()), int(end.timestamp())


def iso(ch, t):
    z = zone(CHANNELS[ch][0])
    return dt.datetime.fromtimestamp(t, z).isoformat()


def money(c):
    s = "-" if c < 0 else ""
    c = abs(c)
    return "%s%d.%02d" % (s, c // 100, c % 100)


class Gen:
    def __init__(self, seed, day):
        self.r = random.Random(seed)
        self.day = day
        self.ledger = []          # lines
        self.stmt = {ch: [] for ch in CHANNELS}   # (sort_key, fields) before shuffling
        self.expect = []          # (channel, fields..., source placeholder)
        self.txn = 0
        self.win = {ch: window(ch, day) for ch in CHANNELS}

    def amount(self):
        r = self.r.random()
        if r < 0.01:
            return self.r.randint(1, 99)                   # cents only
        if r < 0.02:
            return self.r.randint(10 ** 9, 10 ** 10)       # tens of millions
        return self.r.randint(100, 500000)

    def paid_in(self, ch):
        a, b = self.win[ch]
        return self.r.randrange(a, b)

    def led(self, ch, kind, order, refund, amount, cur, status, paid):
        created = (paid if paid is not None else self.paid_in(ch)) - self.r.randint(1, 600)
        self.ledger.append(",".join([
            order, refund, ch, kind, money(amount), cur, status, iso(ch, created),
            iso(ch, paid) if paid is not None else ""]))

    def row(self, ch, kind, order, refund, amount, cur, t, status="SUCCESS", txn=None):
        """A statement row; returns a handle whose line is known after writing."""
        self.txn += 1
        txn = txn or "T%08d" % self.txn
        fee = money(abs(amount) * 6 // 1000)
        h = {"fields": [ch, kind, order, refund, txn, money(amount), cur, fee, status, iso(ch, t)],
             "line": None, "time": t}
        self.stmt[ch].append(h)
        return h

    def want(self, ch, cls, reason, order, refund, txn, led_amt, st_amt, diff, cur, led_status,
             st_status, src):
        self.expect.append({"fields": [self.day.isoformat(), ch, cls, reason, order, refund, txn,
                                       led_amt, st_amt, diff, cur, led_status, st_status],
                            "src": src})

    def want_row(self, ch, cls, reason, h, led_amt, diff, led_status):
        f = h["fields"]
        self.want(ch, cls, reason, f[2], f[3], f[4], led_amt, f[5], diff, f[6], led_status,
                  f[8], h)

    def order(self, i):
        r = self.r
        ch = "alpha" if i % 2 == 0 else "beta"
        cur = CHANNELS[ch][2]
        code = "O%07d" % i
        amt = self.amount()
        paid = self.paid_in(ch)
        t = paid + r.randint(0, 30)
        x = r.random()
        step = 0.004
        kinds = ["no_ledger", "duplicate", "currency", "missing_same", "missing_diff", "long_amount",
                 "short_amount", "no_statement", "currency_over_all", "dup_and_amount",
                 "earlier_day", "early", "unpaid_alone", "failed_row", "twin"]
        pick = None
        for j, k in enumerate(kinds):
            if x < step * (j + 1):
                pick = k
                break
        if pick == "no_ledger":
            h = self.row(ch, "PAY", code, "", amt, cur, t)
            self.want_row(ch, "LONG", "NO_LEDGER", h, "", money(amt), "")
        elif pick == "duplicate":
            self.led(ch, "PAY", code, "", amt, cur, "SUCCESS", paid)
            self.row(ch, "PAY", code, "", amt, cur, t)
            for k in range(r.choice([1, 1, 2])):
                a2 = amt if r.random() < 0.7 else self.amount()
                h = self.row(ch, "PAY", code, "", a2, cur, t + 60 * (k + 1))
                self.want_row(ch, "LONG", "DUPLICATE", h, money(amt), money(a2), "SUCCESS")
        elif pick == "currency":
            self.led(ch, "PAY", code, "", amt, cur, "SUCCESS", paid)
            h = self.row(ch, "PAY", code, "", amt, "HKD", t)
            self.want_row(ch, "CURRENCY", "CURRENCY", h, money(amt), "", "SUCCESS")
        elif pick in ("missing_same", "missing_diff"):
            st = r.choice(["PENDING", "CLOSED"])
            self.led(ch, "PAY", code, "", amt, cur, st, None)
            a2 = amt if pick == "missing_same" else amt + r.randint(1, 1000)
            h = self.row(ch, "PAY", code, "", a2, cur, t)
            self.want_row(ch, "MISSING", "STATUS", h, money(amt), money(a2), st)
        elif pick in ("long_amount", "short_amount"):
            self.led(ch, "PAY", code, "", amt, cur, "SUCCESS", paid)
            d = r.randint(1, min(999, amt - 1 if amt > 1 else 1))
            if pick == "short_amount" and amt <= 1:
                d = 0
            a2 = amt + d if pick == "long_amount" else amt - d
            h = self.row(ch, "PAY", code, "", a2, cur, t)
            if a2 != amt:
                self.want_row(ch, "LONG" if a2 > amt else "SHORT", "AMOUNT", h, money(amt),
                              money(a2 - amt), "SUCCESS")
        elif pick == "no_statement":
            self.led(ch, "PAY", code, "", amt, cur, "SUCCESS", paid)
            self.want(ch, "SHORT", "NO_STATEMENT", code, "", "", money(amt), "", money(-amt), cur,
                      "SUCCESS", "", None)
        elif pick == "currency_over_all":
            # other currency, unpaid, other amount: CURRENCY wins
            self.led(ch, "PAY", code, "", amt, cur, "PENDING", None)
            h = self.row(ch, "PAY", code, "", amt + 7, "HKD", t)
            self.want_row(ch, "CURRENCY", "CURRENCY", h, money(amt), "", "PENDING")
        elif pick == "dup_and_amount":
            self.led(ch, "PAY", code, "", amt, cur, "SUCCESS", paid)
            h1 = self.row(ch, "PAY", code, "", amt + 5, cur, t)
            h2 = self.row(ch, "PAY", code, "", amt + 5, cur, t + 5)
            self.want_row(ch, "LONG", "AMOUNT", h1, money(amt), money(5), "SUCCESS")
            self.want_row(ch, "LONG", "DUPLICATE", h2, money(amt), money(amt + 5), "SUCCESS")
        elif pick == "earlier_day":
            # paid the day before, which was never reconciled: a match
            self.led(ch, "PAY", code, "", amt, cur, "SUCCESS", self.win[ch][0] - r.randint(1, 7200))
            self.row(ch, "PAY", code, "", amt, cur, self.win[ch][0] + r.randint(0, 600))
        elif pick == "early":
            # paid just after the window, settled by this statement: a match
            self.led(ch, "PAY", code, "", amt, cur, "SUCCESS", self.win[ch][1] + r.randint(0, 600))
            self.row(ch, "PAY", code, "", amt, cur, self.win[ch][1] - r.randint(1, 60))
        elif pick == "unpaid_alone":
            self.led(ch, "PAY", code, "", amt, cur, r.choice(["PENDING", "CLOSED"]), None)
        elif pick == "failed_row":
            self.row(ch, "PAY", code, "", amt, cur, t, status="FAILED")
        elif pick == "twin":
            # the same order code in both channels, each matched in its own
            for c2 in CHANNELS:
                cu2 = CHANNELS[c2][2]
                p2 = self.paid_in(c2)
                self.led(c2, "PAY", code, "", amt, cu2, "SUCCESS", p2)
                self.row(c2, "PAY", code, "", amt, cu2, p2 + 3)
        else:
            self.led(ch, "PAY", code, "", amt, cur, "SUCCESS", paid)
            self.row(ch, "PAY", code, "", amt, cur, t)
            if r.random() < 0.1:
                self.refund(ch, cur, code, i, amt, paid)
        if r.random() < 0.002:
            self.row(ch, "FEE", "", "", -self.r.randint(1, 100000), cur, t)

    def refund(self, ch, cur, code, i, amt, paid):
        r = self.r
        rcode = "R%07d" % i
        ramt = -r.randint(1, amt)
        rpaid = min(paid + r.randint(60, 3600), self.win[ch][1] - 1)
        t = rpaid + r.randint(0, 30)
        x = r.random()
        if x < 0.03:
            # the channel refunded something the ledger never booked
            h = self.row(ch, "REFUND", code, rcode + "X", ramt, cur, t)
            self.want_row(ch, "SHORT", "NO_LEDGER", h, "", money(ramt), "")
        if x < 0.06 and x >= 0.03:
            # the ledger booked a refund the channel never made
            self.led(ch, "REFUND", code, rcode, ramt, cur, "SUCCESS", rpaid)
            self.want(ch, "LONG", "NO_STATEMENT", code, rcode, "", money(ramt), "", money(-ramt),
                      cur, "SUCCESS", "", None)
            return
        if x >= 0.06 and x < 0.09 and ramt < -1:
            self.led(ch, "REFUND", code, rcode, ramt, cur, "SUCCESS", rpaid)
            h = self.row(ch, "REFUND", code, rcode, ramt + 1, cur, t)
            self.want_row(ch, "LONG", "AMOUNT", h, money(ramt), money(1), "SUCCESS")
            return
        self.led(ch, "REFUND", code, rcode, ramt, cur, "SUCCESS", rpaid)
        self.row(ch, "REFUND", code, rcode, ramt, cur, t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--date", default="2026-11-21")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    day = dt.date.fromisoformat(a.date)
    g = Gen(a.seed, day)
    for i in range(a.orders):
        g.order(i)

    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "recon.conf"), "w") as f:
        f.write("# generated by tests/gen/gen.py --orders %d --seed %d\n" % (a.orders, a.seed))
        f.write("[ledger]\n\tdatabase = recon.db\n[output]\n\tdir = out\n")
        for ch, (tzs, cutoff, _) in CHANNELS.items():
            f.write('[channel "%s"]\n\tformat = canonical-csv\n' % ch)
            f.write("\tsource = statements/%s/{date}.csv\n" % ch)
            f.write("\ttimezone = %s\n\tcutoff = %02d:%02d\n\tgrace-days = 0\n"
                    % (tzs, cutoff // 60, cutoff % 60))
    g.r.shuffle(g.ledger)
    with open(os.path.join(a.out, "ledger.csv"), "w") as f:
        f.write(HEADER_LEDGER + "\n")
        for line in g.ledger:
            f.write(line + "\n")
    for ch, rows in g.stmt.items():
        name = "statements/%s/%s.csv" % (ch, day.isoformat())
        os.makedirs(os.path.join(a.out, os.path.dirname(name)), exist_ok=True)
        g.r.shuffle(rows)
        with open(os.path.join(a.out, name), "w") as f:
            f.write(HEADER_STMT + "\n")
            for n, h in enumerate(rows):
                h["line"] = n + 2
                h["name"] = name
                f.write(",".join(h["fields"]) + "\n")
    with open(os.path.join(a.out, "expected.csv"), "w") as f:
        f.write(HEADER_EXPECT + "\n")
        for e in g.expect:
            src = "ledger" if e["src"] is None else "%s:%d" % (e["src"]["name"], e["src"]["line"])
            f.write(",".join(e["fields"] + [src]) + "\n")


if __name__ == "__main__":
    main()
