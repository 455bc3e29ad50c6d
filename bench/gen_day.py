#!/usr/bin/env python3
"""Write one channel's day for benchmarking `recon run`, streaming.

    gen_day.py --rows N [--seed S] [--history-days D] [--history-rows H]
               [--wechat] [--no-ledger] OUT_DIR

OUT_DIR gets:
  recon.conf            channel wechat, +08:00, grace 1; format canonical-csv,
                        or wechat-trade with --wechat
  ledger.csv            ledger-csv: the N items paid on 2026-11-21 (China time)
  ledger-history.csv    H items paid on each of the D days before (may be empty)
  statements/wechat/2026-11-21.csv   canonical-csv, about N rows, or
  statements/wechat/2026-11-21.csv.gz  a WeChat Pay ALL bill with --wechat
  expected.csv          class,reason,order_code,refund_code of every
                        discrepancy the day must report, sorted
  expected.txt          the statement rows, matched rows and pending items
--no-ledger leaves the two ledger files out (the same arguments but --wechat
give the same ones). The statement's order is unrelated to the ledger's (an affine permutation),
so the run really sorts. About 1 in 1,000 items carries a discrepancy
(missing callback, amount, duplicate, no ledger, not on the statement) and
1 in 2,000 statement rows settles an item of the day before (a late
settlement, found by key in the history). The same arguments give the same
bytes; memory stays small whatever N.
"""
import argparse
import gzip
import math
import os
import random

DAY0 = 1795190400          # 2026-11-21T00:00:00+08:00
DATE = "2026-11-21"
CHANNEL = "wechat"
MASK = (1 << 64) - 1


def mix(x):
    """splitmix64: a well-spread 64-bit hash of x."""
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def yuan(fen):
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return "%s%d.%02d" % (sign, fen // 100, fen % 100)


def fee5(units):
    sign = "-" if units < 0 else ""
    units = abs(units)
    return "%s%d.%05d" % (sign, units // 100000, units % 100000)


def civil(days):
    """days since the epoch -> (y, m, d) (proleptic Gregorian)."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return y + (m <= 2), m, d


class Clock:
    """Local (+08:00) text of instants, a day's date computed once."""

    def __init__(self):
        self.cache = {}

    def date(self, t):
        day = (t + 8 * 3600) // 86400
        s = self.cache.get(day)
        if s is None:
            s = self.cache[day] = "%04d-%02d-%02d" % civil(day)
        return s

    def iso(self, t):
        sec = (t + 8 * 3600) % 86400
        return "%sT%02d:%02d:%02d+08:00" % (self.date(t), sec // 3600, sec // 60 % 60, sec % 60)

    def plain(self, t):
        sec = (t + 8 * 3600) % 86400
        return "%s %02d:%02d:%02d" % (self.date(t), sec // 3600, sec // 60 % 60, sec % 60)


def amounts(seed):
    """Order amounts in fen: a log-normal spread, looked up by hash."""
    r = random.Random(seed)
    return [max(1, int(math.exp(r.gauss(8.5, 1.2)))) for _ in range(4096)]


class Day:
    def __init__(self, a):
        self.n = a.rows
        self.seed = a.seed
        self.amt = amounts(a.seed)
        self.hdays = a.history_days
        self.hrows = a.history_rows
        # late settlements: items of the day before, on today's statement
        self.late = min(self.n // 2000, self.hrows) if self.hdays else 0

    def item(self, i):
        """(refund, code, amount, paid, fate) of today's item i."""
        h = mix(self.seed * 1000003 + i)
        refund = (h & 0xffff) < 0.04 * 65536
        code = "2026112100%010d" % i
        amt = self.amt[(h >> 16) & 4095]
        paid = DAY0 + i * 86400 // self.n
        x = ((h >> 28) & 0xfffff) / float(1 << 20)
        fate = "ok"
        if x < 0.0003:
            fate = "ok" if refund else "missing"    # ledger PENDING, statement SUCCESS
        elif x < 0.0005:
            fate = "amount"
        elif x < 0.0007:
            fate = "duplicate"
        elif x < 0.0009:
            fate = "absent"                         # not on the statement: suspense
        elif x < 0.0010:
            fate = "no_ledger"
        return refund, code, amt, paid, fate

    def history_item(self, k, i):
        """(refund, code, amount, paid) of item i of the day k days before."""
        h = mix((self.seed + 7 * k) * 1000003 + i)
        y, m, d = civil(DAY0 // 86400 + 1 - k)
        refund = (h & 0xffff) < 0.04 * 65536
        code = "%04d%02d%02d00%010d" % (y, m, d, i)
        return refund, code, self.amt[(h >> 16) & 4095], DAY0 - k * 86400 + i * 86400 // self.hrows


def ledger_line(refund, code, amt, paid, pending, clock):
    if refund:
        return "%s,RF%s,wechat,REFUND,%s,CNY,SUCCESS,%s,%s\n" % (
            code, code[2:], yuan(-amt), clock.iso(paid - 5), clock.iso(paid))
    if pending:
        return "%s,,wechat,PAY,%s,CNY,PENDING,%s,\n" % (code, yuan(amt), clock.iso(paid - 5))
    return "%s,,wechat,PAY,%s,CNY,SUCCESS,%s,%s\n" % (code, yuan(amt), clock.iso(paid - 5),
                                                     clock.iso(paid))


class Writer:
    """Lines written in batches."""

    def __init__(self, f):
        self.f = f
        self.buf = []

    def add(self, s):
        self.buf.append(s)
        if len(self.buf) >= 20000:
            self.f.write("".join(self.buf))
            self.buf = []

    def close(self):
        self.f.write("".join(self.buf))
        self.f.close()


WECHAT_HEADER = ("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
                 "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
                 "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,"
                 "费率备注")
WECHAT_SUMMARY = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"


class Statement:
    def __init__(self, path, wechat, clock):
        self.wechat = wechat
        self.clock = clock
        if wechat:
            self.w = Writer(gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=6))
            self.w.add(WECHAT_HEADER + "\r\n")
        else:
            self.w = Writer(open(path, "w"))
            self.w.add("channel,kind,order_code,refund_code,channel_txn_id,amount,currency,fee,"
                       "status,time\n")
        self.rows = self.pay = self.back = self.fees = 0

    def row(self, refund, code, amt, t, txn):
        self.rows += 1
        if not self.wechat:
            if refund:
                return "wechat,REFUND,%s,RF%s,42%018d,%s,CNY,0.00,SUCCESS,%s\n" % (
                    code, code[2:], txn, yuan(-amt), self.clock.iso(t))
            return "wechat,PAY,%s,,42%018d,%s,CNY,%s,SUCCESS,%s\n" % (
                code, txn, yuan(amt), yuan(amt * 6 // 1000), self.clock.iso(t))
        if refund:
            fee = -amt * 6
            self.back += amt
            f = [self.clock.plain(t), "wx2421b1c4370ec43b", "1230000109", "0", "",
                 "42%018d" % txn, code, "oUpF8u%022d" % txn, "JSAPI", "REFUND", "CFT", "CNY",
                 "0.00", "0.00", "50%018d" % txn, "RF" + code[2:], yuan(amt), "0.00",
                 "ORIGINAL", "SUCCESS", "商品", "", fee5(fee), "0.60%", "0.00", yuan(amt), ""]
        else:
            fee = amt * 6
            self.pay += amt
            f = [self.clock.plain(t), "wx2421b1c4370ec43b", "1230000109", "0", "",
                 "42%018d" % txn, code, "oUpF8u%022d" % txn, "NATIVE", "SUCCESS", "CFT", "CNY",
                 yuan(amt), "0.00", "0", "0", "0.00", "0.00", "", "", "商品", "", fee5(fee),
                 "0.60%", yuan(amt), "0.00", ""]
        self.fees += fee
        return "`" + ",`".join(f) + "\r\n"

    def add(self, refund, code, amt, t, txn, times=1):
        line = self.row(refund, code, amt, t, txn)
        for _ in range(times):
            self.w.add(line)
        self.rows += times - 1
        if self.wechat and times > 1:
            # the bill's totals count every row
            if refund:
                self.back += amt * (times - 1)
                self.fees -= amt * 6 * (times - 1)
            else:
                self.pay += amt * (times - 1)
                self.fees += amt * 6 * (times - 1)

    def close(self):
        if self.wechat:
            self.w.add(WECHAT_SUMMARY + "\r\n")
            self.w.add("`" + ",`".join([str(self.rows), yuan(self.pay), yuan(self.back), "0.00",
                                        fee5(self.fees), yuan(self.pay), yuan(self.back)]) + "\r\n")
        self.w.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--history-days", type=int, default=0)
    ap.add_argument("--history-rows", type=int, default=0)
    ap.add_argument("--wechat", action="store_true")
    ap.add_argument("--no-ledger", action="store_true")
    ap.add_argument("out")
    a = ap.parse_args()
    day = Day(a)
    n = a.rows
    clock = Clock()
    os.makedirs(os.path.join(a.out, "statements", CHANNEL), exist_ok=True)
    name = DATE + (".csv.gz" if a.wechat else ".csv")
    with open(os.path.join(a.out, "recon.conf"), "w") as f:
        f.write("[ledger]\n\tdatabase = recon.db\n[output]\n\tdir = out\n"
                "[channel \"wechat\"]\n\tformat = %s\n"
                "\tsource = statements/wechat/{date}%s\n\ttimezone = +08:00\n"
                "\tcutoff = 00:00\n\tgrace-days = 1\n"
                % ("wechat-trade" if a.wechat else "canonical-csv", name[len(DATE):]))

    header = "order_code,refund_code,channel,kind,amount,currency,status,created_at,paid_at\n"
    if not a.no_ledger:
        write_ledgers(a, day, clock, header)
    statement(a, day, clock, name)


def write_ledgers(a, day, clock, header):
    n = a.rows
    w = Writer(open(os.path.join(a.out, "ledger.csv"), "w"))
    w.add(header)
    for i in range(n):
        refund, code, amt, paid, fate = day.item(i)
        if fate != "no_ledger":
            w.add(ledger_line(refund, code, amt, paid, fate == "missing", clock))
    w.close()
    w = Writer(open(os.path.join(a.out, "ledger-history.csv"), "w"))
    w.add(header)
    for k in range(day.hdays, 0, -1):
        for i in range(day.hrows):
            refund, code, amt, paid = day.history_item(k, i)
            w.add(ledger_line(refund, code, amt, paid, False, clock))
    w.close()


def statement(a, day, clock, name):
    n = a.rows
    # a * j + b mod n visits every item once, far from ledger order
    rng = random.Random(a.seed)
    mult = 1000003
    while math.gcd(mult, n) != 1:
        mult += 2
    off = rng.randrange(n) if n else 0
    st = Statement(os.path.join(a.out, "statements", CHANNEL, name), a.wechat, clock)
    expected = []
    matched = pending = 0
    late_every = n // day.late if day.late else 0
    for j in range(n):
        i = (mult * j + off) % n
        refund, code, amt, paid, fate = day.item(i)
        key = "RF" + code[2:] if refund else ""
        if fate == "absent":
            pending += 1
            continue
        samt = amt + 1 if fate == "amount" else amt
        st.add(refund, code, samt, paid + 3, i, 2 if fate == "duplicate" else 1)
        if fate == "missing":
            expected.append(("MISSING", "STATUS", code, ""))
        elif fate == "amount":
            expected.append(("SHORT" if refund else "LONG", "AMOUNT", code, key))
        elif fate == "no_ledger":
            expected.append(("SHORT" if refund else "LONG", "NO_LEDGER", code, key))
        else:
            matched += 1
            if fate == "duplicate":
                expected.append(("LONG", "DUPLICATE", code, key))
        if late_every and j % late_every == 0 and j // late_every < day.late:
            # an item of the day before, settled late: found by key
            hi = (j // late_every) * (day.hrows // day.late)
            refund, code, amt, paid = day.history_item(1, hi)
            st.add(refund, code, amt, DAY0 + 60 + j * 86400 // n, 10 ** 12 + hi)
            matched += 1
    st.close()
    with open(os.path.join(a.out, "expected.csv"), "w") as f:
        f.write("class,reason,order_code,refund_code\n")
        for e in sorted(expected):
            f.write(",".join(e) + "\n")
    with open(os.path.join(a.out, "expected.txt"), "w") as f:
        f.write("statement_rows %d\nmatched %d\npending %d\ndiscrepancies %d\n"
                % (st.rows, matched, pending, len(expected)))


if __name__ == "__main__":
    main()
