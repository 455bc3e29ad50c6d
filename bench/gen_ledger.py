#!/usr/bin/env python3
"""Write a deterministic ledger CSV in recon's ledger-csv format.

    gen_ledger.py [--rows N] [--seed S] [--month YYYY-MM] OUT

A month of a shop's orders, in the order an export lists them (by creation
time), China time (+08:00):
  - three channels: wechat 55%, alipay 35%, unionpay 10%;
  - 20-digit order codes: yyyymmddHHMMSS + a 6-digit sequence, as most
    merchants mint them;
  - payments: 92% SUCCESS (paid 2 s to 3 min after creation), 5% CLOSED
    (never paid), 3% PENDING;
  - refunds of about 4% of paid orders, hours to days later, full or partial,
    negative amounts (the merchant's cash view), refund codes RF + 18 digits;
  - CNY amounts from 0.01 to a few thousand, most of them small.
The same arguments always give the same bytes (Python's Mersenne Twister,
drawn only through random() and gauss(), is stable across versions).
"""
import argparse
import datetime as dt
import heapq
import math
import random
import sys

TZ = dt.timezone(dt.timedelta(hours=8))
CHANNELS = (("wechat", 0.55), ("alipay", 0.90), ("unionpay", 1.0))
HEADER = "order_code,refund_code,channel,kind,amount,currency,status,created_at,paid_at\n"


def iso(t):
    return dt.datetime.fromtimestamp(t, TZ).isoformat()


def stamp(t):
    return dt.datetime.fromtimestamp(t, TZ).strftime("%Y%m%d%H%M%S")


def yuan(fen):
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return "%s%d.%02d" % (sign, fen // 100, fen % 100)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--month", default="2026-11")
    ap.add_argument("out")
    a = ap.parse_args()

    rng = random.Random(a.seed)
    year, month = map(int, a.month.split("-"))
    start = int(dt.datetime(year, month, 1, tzinfo=TZ).timestamp())
    # Spread the rows over about 30 days; refunds take about 4% of them.
    step = 30 * 86400 / a.rows
    t = float(start)
    seq = 0
    refunds = []  # heap of (created, tiebreak, line)
    written = 0
    out = open(a.out, "w", encoding="ascii", newline="")
    out.write(HEADER)
    buf = []
    while written < a.rows:
        t += rng.random() * 2 * step
        now = int(t)
        while refunds and refunds[0][0] <= now and written < a.rows:
            buf.append(heapq.heappop(refunds)[2])
            written += 1
        if written >= a.rows:
            break
        seq += 1
        u = rng.random()
        channel = next(name for name, cum in CHANNELS if u < cum)
        order = "%s%06d" % (stamp(now), seq % 1000000)
        # Log-normal around 33 yuan, at least one fen.
        fen = max(1, int(math.exp(rng.gauss(8.1, 1.3))))
        u = rng.random()
        if u < 0.92:
            status = "SUCCESS"
            paid = now + 2 + int(rng.random() * 178)
            paid_at = iso(paid)
        elif u < 0.97:
            status, paid, paid_at = "CLOSED", None, ""
        else:
            status, paid, paid_at = "PENDING", None, ""
        buf.append("%s,,%s,PAY,%s,CNY,%s,%s,%s\n"
                   % (order, channel, yuan(fen), status, iso(now), paid_at))
        written += 1
        if paid is not None and rng.random() < 0.0435:
            when = paid + 600 + int(rng.random() * 5 * 86400)
            part = fen if rng.random() < 0.7 else max(1, int(fen * rng.random()))
            code = "RF%s%04d" % (stamp(when), seq % 10000)
            done = when + 1 + int(rng.random() * 60)
            heapq.heappush(refunds, (when, seq, "%s,%s,%s,REFUND,%s,CNY,SUCCESS,%s,%s\n"
                                     % (order, code, channel, yuan(-part), iso(when),
                                        iso(done))))
        if len(buf) >= 10000:
            out.write("".join(buf))
            buf = []
    out.write("".join(buf))
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
