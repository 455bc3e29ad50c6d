#!/usr/bin/env python3
"""Write a large statement in a channel's own format, for decode benchmarks.

    gen_statements.py --kind wechat|square --rows N [--seed S] [--gzip] OUT

wechat: a WeChat Pay ALL trade bill (27 columns, every field behind a
backtick, 5-decimal fees, about 3 % refunds) with its summary row, whose
totals are exact, so `recon decode --format wechat-trade` checks them.
square: a Square Dashboard transactions export (all its columns, money as
"$1,240.00", a CAD location, Pacific time over the whole year so both PST
and PDT rows occur, about 3 % refunds). Rows are written as they are made:
memory stays small whatever N. --gzip writes the file gzipped.
"""
import argparse
import datetime as dt
import gzip
import random

WECHAT_HEADER = ("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
                 "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
                 "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,"
                 "费率备注")
WECHAT_SUMMARY = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
SQUARE_HEADER = ("Date,Time,Time Zone,Gross Sales,Discounts,Net Sales,Tax,Tip,Partial Refunds,"
                 "Total Collected,Source,Card,Fees,Net Total,Transaction ID,Payment ID,Card Brand,"
                 "PAN Suffix,Device Name,Details,Description,Event Type,Location,"
                 "Customer Reference ID,Deposit ID,Deposit Date,Fee Percentage Rate,Fee Fixed Rate,"
                 "Transaction Status")


def yuan(fen):
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return "%s%d.%02d" % (sign, fen // 100, fen % 100)


def fee5(units):
    """units of 0.00001 as text with 5 decimals."""
    sign = "-" if units < 0 else ""
    units = abs(units)
    return "%s%d.%05d" % (sign, units // 100000, units % 100000)


def dollars(cents, mark):
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    text = "%s%s{:,}.%02d".format(cents // 100) % (sign, mark, cents % 100)
    return '"%s"' % text if "," in text else text


def wechat(out, n, rng):
    out.write(WECHAT_HEADER + "\r\n")
    base = dt.datetime(2026, 11, 21)
    count = pay_sum = refund_sum = fee_sum = 0
    paid = []
    for i in range(n):
        t = base + dt.timedelta(seconds=86399 * i // max(n, 1))
        order = "2026112120%012d" % i
        if paid and rng.random() < 0.03:
            o, fen = paid[rng.randrange(len(paid))]
            back = rng.randint(1, fen)
            fee = -back * 6
            row = [t.strftime("%Y-%m-%d %H:%M:%S"), "wx2421b1c4370ec43b", "1230000109", "0", "",
                   "42000023%020d" % i, o, "oUpF8u%022d" % i, "JSAPI", "REFUND", "CFT", "CNY",
                   "0.00", "0.00", "503031%023d" % i, "20261121280%013d" % i, yuan(back), "0.00",
                   "ORIGINAL", "SUCCESS", "商品", "", fee5(fee), "0.60%", "0.00", yuan(back), ""]
            refund_sum += back
        else:
            fen = rng.randint(100, 500000)
            fee = fen * 6
            paid.append((order, fen))
            if len(paid) > 1000:
                paid.pop(0)
            row = [t.strftime("%Y-%m-%d %H:%M:%S"), "wx2421b1c4370ec43b", "1230000109", "0", "",
                   "42000023%020d" % i, order, "oUpF8u%022d" % i, "NATIVE", "SUCCESS", "CFT", "CNY",
                   yuan(fen), "0.00", "0", "0", "0.00", "0.00", "", "", "商品", "", fee5(fee),
                   "0.60%", yuan(fen), "0.00", ""]
            pay_sum += fen
        fee_sum += fee
        count += 1
        out.write(",".join("`" + f for f in row) + "\r\n")
    out.write(WECHAT_SUMMARY + "\r\n")
    out.write(",".join("`" + f for f in [str(count), yuan(pay_sum), yuan(refund_sum), "0.00",
                                         fee5(fee_sum), yuan(pay_sum), yuan(refund_sum)]) + "\r\n")


def square(out, n, rng):
    out.write(SQUARE_HEADER + "\r\n")
    base = dt.datetime(2026, 1, 1)
    paid = []
    for i in range(n):
        t = base + dt.timedelta(seconds=(365 * 86400 - 1) * i // max(n, 1))
        cad = rng.random() < 0.1
        mark = "CA$" if cad else "$"
        if paid and rng.random() < 0.03:
            o, cents, m = paid[rng.randrange(len(paid))]
            back = rng.randint(1, cents)
            money = [dollars(0, m), dollars(0, m), dollars(0, m), dollars(0, m), dollars(0, m),
                     dollars(-back, m), dollars(-back, m), "eCommerce Integrations",
                     dollars(-back, m), dollars(0, m), dollars(-back, m)]
            tail = ["R%025d" % i, "P%025d" % i, "Visa", "4242", "", "", "20261121480%013d" % i,
                    "Refund", "Vancouver" if m == "CA$" else "Main Street", o]
        else:
            cents = rng.randint(100, 200000)
            fee = (cents * 26 + 500) // 1000 + 10
            o = "2026112140%012d" % i
            paid.append((o, cents, mark))
            if len(paid) > 1000:
                paid.pop(0)
            money = [dollars(cents, mark), dollars(0, mark), dollars(cents, mark), dollars(0, mark),
                     dollars(0, mark), dollars(0, mark), dollars(cents, mark), "Point of Sale",
                     dollars(cents, mark), dollars(-fee, mark), dollars(cents - fee, mark)]
            tail = ["T%025d" % i, "P%025d" % i, "Visa", "4242", "Front Counter iPad", "",
                    "Latte", "Payment", "Vancouver" if cad else "Main Street", o]
        row = [t.strftime("%m/%d/%Y"), t.strftime("%H:%M:%S"), "Pacific Time (US & Canada)"]
        row += money[:7] + [money[7], money[8], money[9], money[10]]
        row += tail[:5] + ["https://app.squareup.com/dashboard/sales/transactions/" + tail[0]]
        row += tail[6:] + ["DEP1", "01/03/2027", "2.6", dollars(10, mark), "Complete"]
        out.write(",".join(row) + "\r\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kind", choices=("wechat", "square"), required=True)
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--gzip", action="store_true")
    ap.add_argument("out")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    if a.gzip:
        f = gzip.open(a.out, "wt", encoding="utf-8", newline="", compresslevel=6)
    else:
        f = open(a.out, "w", encoding="utf-8", newline="")
    with f:
        (wechat if a.kind == "wechat" else square)(f, a.rows, rng)


if __name__ == "__main__":
    main()
