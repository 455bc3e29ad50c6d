#!/usr/bin/env python3
"""Write a large zipped GBK statement, for decode benchmarks.

    gen_zip_statements.py --kind alipay|unionpay --rows N [--seed S] OUT

alipay: an Alipay trade bill zip: the details entry (GBK CSV, '#' comment
lines, markers, ids with a trailing TAB, about 3 % refunds) with footer
totals that add up, so `recon decode --format alipay-trade` checks them,
and the summary entry first, as real zips sometimes have it.
unionpay: a UnionPay reconciliation zip: an empty ZME entry, then the ZM
entry of N fixed-width GBK records of 608 bytes plus CRLF (S22 purchases,
about 3 % S30 refunds; a Chinese shop name before the last fields, so
character and byte offsets differ). Decode it with --date 2026-11-21.
Entries are written as they are made: memory stays small whatever N.
Entry names are stored in UTF-8 (Python's zipfile cannot write GBK names).
"""
import argparse
import random
import zipfile

ALIPAY_HEADER = ("支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,"
                 "终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,"
                 "商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,"
                 "退款批次号/请求号,服务费（元）,分润（元）,备注")
ZM_WIDTHS = [3, 11, 11, 6, 10, 19, 12, 4, 2, 21, 2, 32, 2, 6, 10, 13, 13, 4, 15, 2, 2, 6, 2, 4, 32,
             1, 21, 15, 1, 15, 32, 13, 13, 8, 32, 13, 13, 12, 2, 1, 32, 98]
PANS = ["6222021001123456789", "6217001234005678907", "6225880123456783",
        "6216612800003456125", "6228480048123456781", "6221550012345678"]


def yuan(fen):
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return "%s%d.%02d" % (sign, fen // 100, fen % 100)


def fee_of(fen):
    """0.6 %, half up, in fen."""
    return (fen * 6 + 500) // 1000


def clock(i, n):
    s = 86399 * i // max(n, 1)
    return s // 3600, s // 60 % 60, s % 60


def alipay(z, n, rng):
    summary = "#支付宝业务汇总查询\r\n#导出时间：[2026年11月22日 05:46:49]\r\n"
    z.writestr("2088123412341234_20261121_业务明细(汇总).csv", summary.encode("gbk"),
               zipfile.ZIP_DEFLATED)
    pays = pay_sum = refunds = refund_sum = 0
    paid = []
    with z.open(entry("2088123412341234_20261121_业务明细.csv", (2026, 11, 22, 5, 46, 49)),
                "w") as raw:
        def put(text):
            raw.write(text.encode("gbk"))

        put("#支付宝业务明细查询\r\n#账号：[20881234123412340156]\r\n"
            "#起始日期：[2026年11月21日 00:00:00]   终止日期：[2026年11月22日 00:00:00]\r\n"
            "#-----------------------------------------业务明细列表"
            "----------------------------------------\r\n")
        put(ALIPAY_HEADER + "\r\n")
        rows = []
        for i in range(n):
            h, m, s = clock(i, n)
            when = "2026-11-21 %02d:%02d:%02d" % (h, m, s)
            if paid and rng.random() < 0.03:
                trade, order, fen = paid[rng.randrange(len(paid))]
                back = rng.randint(1, fen)
                kind, amount, refund, fee = "退款", -back, "20261121180%013d" % i, fee_of(back)
                refunds += 1
                refund_sum += amount
            else:
                fen = rng.randint(100, 500000)
                trade, order = "2026112122%018d" % i, "2026112110%012d" % i
                kind, amount, refund, fee = "交易", fen, "", -fee_of(fen)
                paid.append((trade, order, fen))
                if len(paid) > 1000:
                    paid.pop(0)
                pays += 1
                pay_sum += amount
            rows.append("%s\t,%s\t,%s\t,精品咖啡豆 500g,%s,%s,\t,\t,\t,\t,*明(138****5678)\t,"
                        "%s,%s,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,%s\t,%s,0.00,\r\n"
                        % (trade, order, kind, when, when, yuan(amount), yuan(amount), refund,
                           yuan(fee)))
            if len(rows) == 4096:
                put("".join(rows))
                rows = []
        put("".join(rows))
        put("#-----------------------------------------业务明细列表结束"
            "------------------------------------\r\n"
            "#交易合计：%d笔，商家实收共%s元，商家优惠共0.00元\r\n"
            "#退款合计：%d笔，商家实收退款共%s元，商家优惠退款共0.00元\r\n"
            "#导出时间：[2026年11月22日 05:46:49]\r\n"
            % (pays, yuan(pay_sum), refunds, yuan(refund_sum)))


def entry(name, when):
    """A deflated entry (a ZipInfo alone would be stored)."""
    info = zipfile.ZipInfo(name, when)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def zm_record(fields):
    out = b""
    for w, f in zip(ZM_WIDTHS, fields):
        b = f.encode("gbk")
        assert len(b) <= w, (f, w)
        out += b + b" " * (w - len(b)) + b" "
    return out + b"\r\n"


def unionpay(z, n, rng):
    z.writestr(zipfile.ZipInfo("INN26112188ZME_777290058123456", (2026, 11, 22, 6, 0, 0)), b"")
    paid = []
    with z.open(entry("INN26112188ZM_777290058123456", (2026, 11, 22, 6, 0, 0)), "w") as raw:
        recs = []
        for i in range(n):
            h, m, s = clock(i, n)
            when = "1121%02d%02d%02d" % (h, m, s)
            trace = "%06d" % (i % 1000000)
            query = "261121%02d%02d%02d%09d" % (h, m, s, i % 1000000000)
            pan = PANS[i % len(PANS)]
            f = [""] * len(ZM_WIDTHS)
            if paid and rng.random() < 0.03:
                order, fen, otrace, otime, oquery = paid[rng.randrange(len(paid))]
                back = rng.randint(1, fen)
                fee = fee_of(back)
                f[0], f[11], f[40] = "S30", "20261121380%013d" % i, order
                f[13], f[14], f[26] = otrace, otime, oquery
                f[15], f[16] = "C%012d" % fee, "D%012d" % back
                f[32], f[34] = "D%012d" % (back - fee), "退款"
                amount = back
            else:
                fen = rng.randint(100, 5000000)
                fee = fee_of(fen)
                order = "2026112130%012d" % i
                paid.append((order, fen, trace, when, query))
                if len(paid) > 1000:
                    paid.pop(0)
                f[0], f[11] = "S22", order
                f[15], f[16] = "D%012d" % fee, "C%012d" % fen
                f[32], f[34] = "C%012d" % (fen - fee), "线上商城订单"
                amount = fen
            f[1], f[2], f[3], f[4], f[5] = "00049992900", "00049992900", trace, when, pan
            f[6], f[7], f[8], f[9], f[12] = "%012d" % amount, "5311", "07", query, "01"
            f[17], f[19], f[20], f[21], f[22] = "0001", "01", "01", "000201", "01"
            f[25], f[27], f[30] = "0", "777290058123456", "华东旗舰店"
            recs.append(zm_record(f))
            if len(recs) == 4096:
                raw.write(b"".join(recs))
                recs = []
        raw.write(b"".join(recs))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kind", choices=("alipay", "unionpay"), required=True)
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("out")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    with zipfile.ZipFile(a.out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        (alipay if a.kind == "alipay" else unionpay)(z, a.rows, rng)


if __name__ == "__main__":
    main()
