#!/usr/bin/env python3
"""Read the committed sample statements back and check them, independently of
make_statements.py (nothing is imported from it): encodings, zip entry names,
fixed-width byte layout, every control total, and the reconciliation classes
listed in samples/statements/EXPECTED.md, recomputed from the files and
samples/ledger-channels.csv with the rules of design.md.

Standard library only. Exit status 0 when everything holds; prints each
failure otherwise.   python3 samples/gen/check_statements.py
"""

import csv
import gzip
import io
import os
import re
import sys
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
STMT = os.path.join(ROOT, "samples", "statements")
BAD = os.path.join(ROOT, "tests", "data", "bad")
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
    return cond


def dec(s):
    """Exact decimal text ('-1,234.5', '0.06000') -> (int, scale)."""
    s = s.replace(",", "")
    neg = s.startswith("-")
    s = s.lstrip("-")
    whole, _, frac = s.partition(".")
    return (-1 if neg else 1) * int(whole + frac or "0"), len(frac)


def cents(s):
    v, sc = dec(s)
    check(sc == 2, f"amount {s!r} has {sc} decimals")
    return v


def luhn_ok(pan):
    total = 0
    for i, ch in enumerate(reversed(pan)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# A canonical row: (kind, order, refund, amount, currency, txn id, day)
def rec(kind, order, refund, amount, cur, txn, day):
    return {"kind": kind, "order": order, "refund": refund, "amount": amount, "cur": cur, "txn": txn, "day": day}


# ------------------------------------------------------------------ alipay

AP_COLS = ("支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,"
           "订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,"
           "券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注").split(",")


def raw_zip_names(data):
    """(name bytes, flag bits) of every local file header, read by hand."""
    out, i = [], 0
    while True:
        i = data.find(b"PK\x03\x04", i)
        if i < 0:
            return out
        flags = int.from_bytes(data[i + 6:i + 8], "little")
        csize = int.from_bytes(data[i + 18:i + 22], "little")
        n = int.from_bytes(data[i + 26:i + 28], "little")
        m = int.from_bytes(data[i + 28:i + 30], "little")
        out.append((data[i + 30:i + 30 + n], flags))
        i += 30 + n + m + csize


def alipay_detail(text, day, path):
    lines = text.split("\r\n")
    check(text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), f"{path}: lines end CRLF")
    check(lines[0] == "#支付宝业务明细查询", f"{path}: first line")
    check(re.fullmatch(r"#账号：\[2088\d{16}\]", lines[1]) is not None, f"{path}: account line")
    nd = day.replace("-", "")
    check(lines[2].startswith(f"#起始日期：[{nd[:4]}年{nd[4:6]}月{nd[6:]}日 00:00:00]   终止日期：["), f"{path}: dates")
    begin = next(i for i, l in enumerate(lines) if re.fullmatch(r"#-+业务明细列表-+", l))
    end = next(i for i, l in enumerate(lines) if re.fullmatch(r"#-+业务明细列表结束-+", l))
    header = lines[begin + 1].split(",")
    check(header == AP_COLS, f"{path}: 25-column header")
    rows = []
    for n, line in enumerate(lines[begin + 2:end], begin + 3):
        f = line.split(",")
        check(len(f) == 25, f"{path}:{n}: {len(f)} fields")
        for idx in (0, 1, 2, 21):
            check(f[idx].endswith("\t"), f"{path}:{n}: field {AP_COLS[idx]} lacks the trailing TAB")
        f = [v.rstrip("\t") for v in f]
        rows.append(dict(zip(AP_COLS, f), line=n))
    tot = re.fullmatch(r"#交易合计：(\d+)笔，商家实收共(-?[\d.]+)元，商家优惠共0\.00元", lines[end + 1])
    ref = re.fullmatch(r"#退款合计：(\d+)笔，商家实收退款共(-?[\d.]+)元，商家优惠退款共0\.00元", lines[end + 2])
    check(tot and ref, f"{path}: footer totals")
    check(re.fullmatch(r"#导出时间：\[\d{4}年\d\d月\d\d日 \d\d:\d\d:\d\d\]", lines[end + 3]) is not None, f"{path}: export time")
    return rows, (int(tot.group(1)), cents(tot.group(2)), int(ref.group(1)), cents(ref.group(2)))


def check_alipay(path, day):
    data = open(path, "rb").read()
    base = f"2088123412341234_{day.replace('-', '')}"
    names = raw_zip_names(data)
    want = {f"{base}_业务明细.csv".encode("gbk"), f"{base}_业务明细(汇总).csv".encode("gbk")}
    check({n for n, _ in names} == want, f"{path}: entry names are GBK bytes")
    check(all(not (fl & 0x800) for _, fl in names), f"{path}: no UTF-8 flag")
    z = zipfile.ZipFile(io.BytesIO(data))
    by = {i.filename.encode("cp437"): z.read(i) for i in z.infolist()}
    detail = by[f"{base}_业务明细.csv".encode("gbk")].decode("gbk")
    summary = by[f"{base}_业务明细(汇总).csv".encode("gbk")].decode("gbk")
    rows, (n_sales, sales_sum, n_ref, ref_sum) = alipay_detail(detail, day, path)
    sales = [r for r in rows if r["业务类型"] == "交易"]
    refs = [r for r in rows if r["业务类型"] == "退款"]
    check(len(sales) + len(refs) == len(rows), f"{path}: kinds")
    check(n_sales == len(sales) and sales_sum == sum(cents(r["商家实收（元）"]) for r in sales),
          f"{path}: 交易合计 {n_sales} {sales_sum} vs rows")
    check(n_ref == len(refs) and ref_sum == sum(cents(r["商家实收（元）"]) for r in refs),
          f"{path}: 退款合计 {n_ref} {ref_sum} vs rows")
    out = []
    trade_of = {r["商户订单号"]: r["支付宝交易号"] for r in sales}
    for r in rows:
        amt = cents(r["商家实收（元）"])
        check(r["完成时间"][:10] == day, f"{path}:{r['line']}: 完成时间 not on {day}")
        check(re.fullmatch(r"\d{28}", r["支付宝交易号"]) is not None, f"{path}:{r['line']}: 交易号")
        if r["业务类型"] == "退款":
            check(amt < 0 and r["退款批次号/请求号"] != "", f"{path}:{r['line']}: refund sign/code")
            check(trade_of.get(r["商户订单号"]) == r["支付宝交易号"], f"{path}:{r['line']}: refund keeps the sale's 交易号")
            out.append(rec("REFUND", r["商户订单号"], r["退款批次号/请求号"], amt, "CNY", r["支付宝交易号"], day))
        else:
            check(amt > 0 and r["退款批次号/请求号"] == "", f"{path}:{r['line']}: sale sign")
            out.append(rec("PAY", r["商户订单号"], "", amt, "CNY", r["支付宝交易号"], day))
    # summary file: the 合计 row agrees with the details
    sl = summary.split("\r\n")
    check(sl[0] == "#支付宝业务汇总查询", f"{path}: summary first line")
    b = next(i for i, l in enumerate(sl) if re.fullmatch(r"#-+业务汇总列表-+", l))
    e = next(i for i, l in enumerate(sl) if re.fullmatch(r"#-+业务汇总列表结束-+", l))
    cols = sl[b + 1].split(",")
    check(len(cols) == 12 and cols[-1] == "实收净额（元）", f"{path}: summary header")
    total = next(dict(zip(cols, l.split(","))) for l in sl[b + 2:e] if l.startswith("合计"))
    fee = sum(cents(r["服务费（元）"]) for r in rows)
    net = sales_sum + ref_sum
    check(int(total["交易订单总笔数"]) == n_sales and int(total["退款订单总笔数"]) == n_ref, f"{path}: summary counts")
    check(cents(total["商家实收（元）"]) == net and cents(total["服务费（元）"]) == fee
          and cents(total["实收净额（元）"]) == net + fee, f"{path}: summary amounts")
    return out


# ------------------------------------------------------------------ wechat

WX_ALL = ("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
          "应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
          "手续费,费率,订单金额,申请退款金额,费率备注").split(",")
WX_SUM = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额".split(",")
WX_OLD_SUM = "总交易单数,总交易额,总退款金额,总代金券或立减优惠退款金额,手续费总金额".split(",")


def parse_wx(text, path, ncols):
    check("\n" not in text.replace("\r\n", ""), f"{path}: CRLF")
    lines = text.rstrip("\r\n").split("\r\n")
    header = lines[0].split(",")
    check(len(header) == ncols, f"{path}: {len(header)} columns, want {ncols}")
    si = next(i for i, l in enumerate(lines) if l.startswith("总交易单数"))
    rows = []
    for n, line in enumerate(lines[1:si], 2):
        f = line.split(",")
        check(len(f) == ncols and all(v.startswith("`") for v in f), f"{path}:{n}: backtick fields")
        rows.append(dict(zip(header, (v[1:] for v in f))))
    sh = lines[si].split(",")
    sv = lines[si + 1].split(",")
    check(all(v.startswith("`") for v in sv) and len(sh) == len(sv) and si + 2 == len(lines), f"{path}: summary")
    return header, rows, dict(zip(sh, (v[1:] for v in sv)))


def wx_records(rows, day, path):
    out = []
    for r in rows:
        fee, sc = dec(r["手续费"])
        check(sc == 5, f"{path}: 手续费 {r['手续费']} not 5 decimals")
        check(r["费率"] == "0.60%", f"{path}: 费率")
        check(r["交易时间"][:10] == day, f"{path}: 交易时间 off day")
        if r["交易状态"] == "REFUND":
            refund_amt = cents(r["退款金额"])
            check(cents(r.get("应结订单金额", r.get("总金额", "0.00"))) == 0 and refund_amt > 0 and fee < 0,
                  f"{path}: REFUND row signs")
            check(fee == -refund_amt * 6, f"{path}: refund fee 0.6 %")
            out.append(rec("REFUND", r["商户订单号"], r["商户退款单号"], -refund_amt, r["货币种类"], r["微信订单号"], day))
        else:
            check(r["交易状态"] == "SUCCESS", f"{path}: status")
            amt = cents(r.get("应结订单金额", r.get("总金额")))
            check(fee == amt * 6, f"{path}: fee 0.6 % of {amt}")
            out.append(rec("PAY", r["商户订单号"], "", amt, r["货币种类"], r["微信订单号"], day))
        out[-1]["fee5"] = fee
    return out


def wx_check_summary(recs, summ, path, old=False):
    pays = [r for r in recs if r["kind"] == "PAY"]
    refs = [r for r in recs if r["kind"] == "REFUND"]
    fee5 = sum(r["fee5"] for r in recs)
    check(int(summ["总交易单数"]) == len(recs), f"{path}: 总交易单数")
    check(dec(summ["手续费总金额"]) == (fee5, 5), f"{path}: 手续费总金额 {summ['手续费总金额']} vs {fee5}")
    if old:
        check(cents(summ["总交易额"]) == sum(r["amount"] for r in pays), f"{path}: 总交易额")
        check(cents(summ["总退款金额"]) == -sum(r["amount"] for r in refs), f"{path}: 总退款金额")
    else:
        check(cents(summ["应结订单总金额"]) == sum(r["amount"] for r in pays), f"{path}: 应结订单总金额")
        check(cents(summ["订单总金额"]) == sum(r["amount"] for r in pays), f"{path}: 订单总金额")
        check(cents(summ["退款总金额"]) == -sum(r["amount"] for r in refs), f"{path}: 退款总金额")
        check(cents(summ["申请退款总金额"]) == -sum(r["amount"] for r in refs), f"{path}: 申请退款总金额")


def check_wechat(path, day):
    raw = gzip.decompress(open(path, "rb").read())
    text = raw.decode("utf-8")
    check(not text.startswith("\ufeff"), f"{path}: no BOM")
    header, rows, summ = parse_wx(text, path, 27)
    check(header == WX_ALL, f"{path}: ALL header")
    check(list(summ) == WX_SUM, f"{path}: summary header")
    recs = wx_records(rows, day, path)
    wx_check_summary(recs, summ, path)
    return recs


def check_wechat_layouts(all_recs):
    lay = os.path.join(STMT, "wechat", "layouts")
    key = lambda r: (r["kind"], r["order"], r["refund"], r["amount"], r["txn"], r["fee5"])
    s = open(os.path.join(lay, "20261121-success-20col.csv"), encoding="utf-8", newline="").read()
    check(s.startswith("\ufeff"), "success layout has a BOM")
    h, rows, summ = parse_wx(s[1:], "success", 20)
    check(not set(h) & {"微信退款单号", "商户退款单号", "退款金额", "充值券退款金额", "退款类型", "退款状态", "申请退款金额"},
          "success layout lacks refund columns")
    succ = wx_records(rows, "2026-11-21", "success")
    wx_check_summary(succ, summ, "success")
    r = open(os.path.join(lay, "20261121-refund-29col.csv"), encoding="utf-8", newline="").read()
    h, rows, summ = parse_wx(r, "refund", 29)
    check(h[14:16] == ["退款申请时间", "退款成功时间"] and h[:14] == WX_ALL[:14], "refund layout columns")
    refs = wx_records(rows, "2026-11-21", "refund")
    wx_check_summary(refs, summ, "refund")
    check(sorted(map(key, succ + refs)) == sorted(map(key, all_recs)), "SUCCESS + REFUND == ALL")
    o = open(os.path.join(lay, "20261121-all-old-24col.csv"), encoding="utf-8", newline="").read()
    h, rows, summ = parse_wx(o, "old", 24)
    check("子商户号" in h and "总金额" in h and "代金券或立减优惠金额" in h and list(summ) == WX_OLD_SUM, "old layout")
    old = wx_records(rows, "2026-11-21", "old")
    wx_check_summary(old, summ, "old", old=True)
    check(sorted(map(key, old)) == sorted(map(key, all_recs)), "old layout == ALL")


# ---------------------------------------------------------------- unionpay

ZM_W = [3, 11, 11, 6, 10, 19, 12, 4, 2, 21, 2, 32, 2, 6, 10, 13, 13, 4, 15, 2, 2, 6, 2, 4, 32, 1, 21,
        15, 1, 15, 32, 13, 13, 8, 32, 13, 13, 12, 2, 1, 32, 98]
ZM_AT = {"code": 0, "time": 35, "pan": 46, "amount": 66, "order": 112, "fee": 166, "settle": 180,
         "net": 374, "merid": 293, "sub_name": 327, "custom": 397, "orig_order": 476}


def zm_fields(recb, path, n):
    """Cut by BYTES, then decode each field from GBK."""
    check(len(recb) == sum(ZM_W) + len(ZM_W), f"{path}:{n}: record is {len(recb)} bytes")
    out, o = {}, 0
    for w in ZM_W:
        check(recb[o + w:o + w + 1] == b" ", f"{path}:{n}: no separator after byte {o + w}")
        out[o] = recb[o:o + w].decode("gbk").rstrip(" ")
        o += w + 1
    return out


def cd_value(s, path):
    check(re.fullmatch(r"[CD]\d{12}", s) is not None, f"{path}: C/D field {s!r}")
    return int(s[1:]) if s[0] == "C" else -int(s[1:])


def check_unionpay(path, day):
    z = zipfile.ZipFile(path)
    yymmdd = day.replace("-", "")[2:]
    names = [i.filename for i in z.infolist()]
    check(names == [f"INN{yymmdd}88ZME_777290058123456", f"INN{yymmdd}88ZM_777290058123456"], f"{path}: entries {names}")
    data = z.read(names[1])
    check(data.endswith(b"\r\n"), f"{path}: CRLF at end")
    out = []
    year = int(day[:4])
    for n, recb in enumerate(data[:-2].split(b"\r\n"), 1):
        f = zm_fields(recb, path, n)
        t = f[ZM_AT["time"]]
        y = year - 1 if int(t[:2]) > int(day[5:7]) else year          # the new-year wrap
        when = f"{y}-{t[:2]}-{t[2:4]}"
        check(when == day or day == "2027-01-01", f"{path}:{n}: time {t} not on {day}")
        pan = f[ZM_AT["pan"]]
        check(pan.isdigit() and len(pan) in (16, 19) and luhn_ok(pan), f"{path}:{n}: PAN {pan}")
        amt = int(f[ZM_AT["amount"]])
        fee = cd_value(f[ZM_AT["fee"]], path)
        settle = cd_value(f[ZM_AT["settle"]], path)
        net = cd_value(f[ZM_AT["net"]], path)
        check(net == settle + fee, f"{path}:{n}: 清算净额 = 结算金额 + 手续费")
        check(f[ZM_AT["merid"]] == "777290058123456" and f[ZM_AT["sub_name"]] == "华东旗舰店", f"{path}:{n}: GBK fields")
        check(abs(fee) == (abs(amt) * 6 * 2 + 1000) // 2000, f"{path}:{n}: fee 0.6 % half up")
        if f[0] == "S30":
            check(settle == -amt and fee > 0 and f[ZM_AT["orig_order"]] != "", f"{path}:{n}: S30 signs")
            out.append(rec("REFUND", f[ZM_AT["orig_order"]], f[ZM_AT["order"]], -amt, "CNY", f[87], day))
        else:
            check(f[0] == "S22" and settle == amt and fee < 0 and f[ZM_AT["orig_order"]] == "", f"{path}:{n}: S22")
            out.append(rec("PAY", f[ZM_AT["order"]], "", amt, "CNY", f[87], day))
        out[-1]["when"] = f"{when} {t[4:6]}:{t[6:8]}:{t[8:]}"
    zme = z.read(names[0])
    for recb in zme.split(b"\r\n")[:-1]:
        check(len(recb) == sum([3, 11, 11, 6, 10, 19, 12, 4, 2, 2, 6, 10, 4, 12, 13, 13, 15, 15, 1, 12, 2, 135]) + 22,
              f"{path}: ZME record length")
    return out


# ------------------------------------------------------------------ square

SQ_COLS = ("Date,Time,Time Zone,Gross Sales,Discounts,Net Sales,Tax,Tip,Partial Refunds,Total Collected,Source,"
           "Card,Fees,Net Total,Transaction ID,Payment ID,Card Brand,PAN Suffix,Device Name,Details,Description,"
           "Event Type,Location,Customer Reference ID,Deposit ID,Deposit Date,Fee Percentage Rate,Fee Fixed Rate,"
           "Transaction Status").split(",")


def sq_money(s):
    m = re.fullmatch(r"(-?)(CA\$|\$)(\d{1,3}(?:,\d{3})*)\.(\d\d)", s)
    check(m is not None, f"square money {s!r}")
    v = int(m.group(3).replace(",", "") + m.group(4))
    return (-v if m.group(1) else v), ("CAD" if m.group(2) == "CA$" else "USD")


def check_square(path, day):
    raw = open(path, "rb").read()
    check(b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""), f"{path}: CRLF")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    check(list(rows[0].keys()) == SQ_COLS, f"{path}: columns")
    out = []
    mmddyyyy = f"{day[5:7]}/{day[8:10]}/{day[:4]}"
    for r in rows:
        check(r["Date"] == mmddyyyy and r["Time Zone"] == "Pacific Time (US & Canada)", f"{path}: date/zone")
        v = {k: sq_money(r[k]) for k in ("Gross Sales", "Discounts", "Net Sales", "Tax", "Tip", "Partial Refunds",
                                         "Total Collected", "Card", "Fees", "Net Total")}
        curs = {c for _, c in v.values()}
        check(len(curs) == 1, f"{path}: one currency a row")
        g = lambda k: v[k][0]
        check(g("Net Sales") == g("Gross Sales") + g("Discounts"), f"{path}: net sales")
        check(g("Total Collected") == g("Net Sales") + g("Tax") + g("Tip") + g("Partial Refunds"), f"{path}: total")
        check(g("Net Total") == g("Total Collected") + g("Fees"), f"{path}: net total")
        cur = curs.pop()
        if r["Event Type"] == "Refund":
            check(g("Total Collected") < 0 and re.fullmatch(r"\d{24}", r["Description"]) is not None, f"{path}: refund")
            out.append(rec("REFUND", r["Customer Reference ID"], r["Description"], g("Total Collected"), cur,
                           r["Transaction ID"], day))
        else:
            check(r["Event Type"] == "Payment" and g("Total Collected") > 0 and g("Fees") < 0, f"{path}: payment")
            out.append(rec("PAY", r["Customer Reference ID"], "", g("Total Collected"), cur, r["Transaction ID"], day))
    return out


# ------------------------------------------------------------------- adyen

AD_COLS = ("Company Account,Merchant Account,Psp Reference,Merchant Reference,Payment Method,Creation Date,TimeZone,"
           "Type,Modification Reference,Gross Currency,Gross Debit (GC),Gross Credit (GC),Exchange Rate,Net Currency,"
           "Net Debit (NC),Net Credit (NC),Commission (NC),Markup (NC),Scheme Fees (NC),Interchange (NC),"
           "Payment Method Variant,Modification Merchant Reference,Batch Number").split(",") + \
          [f"Reserved{i}" for i in range(4, 11)]


def check_adyen(path, day):
    rows = list(csv.DictReader(open(path, encoding="utf-8", newline="")))
    check(list(rows[0].keys()) == AD_COLS, f"{path}: columns")
    out, net_sum = [], 0
    for r in rows:
        if r["Type"] == "MerchantPayout":
            check(cents(r["Net Debit (NC)"]) == net_sum, f"{path}: payout {r['Net Debit (NC)']} vs {net_sum}")
            continue
        check(r["Creation Date"][:10] == day and r["TimeZone"] == "CET", f"{path}: creation date")
        fees = sum(cents(r[k]) for k in ("Commission (NC)", "Markup (NC)", "Scheme Fees (NC)", "Interchange (NC)"))
        if r["Type"] == "Refunded":
            gd, nd = cents(r["Gross Debit (GC)"]), cents(r["Net Debit (NC)"])
            check(r["Gross Credit (GC)"] == "" and nd == gd + fees, f"{path}: refunded row")
            net_sum -= nd
            out.append(rec("REFUND", r["Merchant Reference"], r["Modification Merchant Reference"], -gd,
                           r["Gross Currency"], r["Modification Reference"], day))
        else:
            check(r["Type"] == "Settled", f"{path}: type {r['Type']}")
            gc, nc = cents(r["Gross Credit (GC)"]), cents(r["Net Credit (NC)"])
            check(r["Gross Debit (GC)"] == "" and nc == gc - fees, f"{path}: settled row")
            net_sum += nc
            out.append(rec("PAY", r["Merchant Reference"], "", gc, r["Gross Currency"], r["Psp Reference"], day))
    check(rows[-1]["Type"] == "MerchantPayout", f"{path}: payout row last")
    return out


# ---------------------------------------------------------- reconciliation


def load_ledger():
    rows = list(csv.DictReader(open(os.path.join(ROOT, "samples", "ledger-channels.csv"), encoding="utf-8", newline="")))
    check(list(rows[0].keys()) == "order_code,refund_code,channel,kind,amount,currency,status,created_at,paid_at".split(","),
          "ledger header")
    for r in rows:
        r["cents"] = cents(r["amount"])
        check(len(r["order_code"]) >= 20, f"ledger order code {r['order_code']}")
        check((r["paid_at"] != "") == (r["status"] == "SUCCESS"), f"ledger paid_at vs status {r['order_code']}")
    return rows


def reconcile(channel, days, ledger):
    """{day: sorted [(kind, order, refund, class, reason)]} with design.md's rules,
    cut-off 00:00 and grace-days 1 (a ledger item is due on its paid_at date)."""
    led = [r for r in ledger if r["channel"] == channel]
    pay = {r["order_code"]: r for r in led if r["kind"] == "PAY"}
    ref = {r["refund_code"]: r for r in led if r["kind"] == "REFUND"}
    seen = set()
    result = {}
    for day, recs in days:
        out = []
        for s in recs:
            table, key = (ref, s["refund"]) if s["kind"] == "REFUND" else (pay, s["order"])
            lrow = table.get(key)
            if lrow is None:
                cls = ("SHORT" if s["kind"] == "REFUND" else "LONG", "NO_LEDGER")
            elif (s["kind"], key) in seen:
                cls = ("LONG", "DUPLICATE")
            elif lrow["currency"] != s["cur"]:
                cls = ("CURRENCY", "CURRENCY")
            elif lrow["status"] != "SUCCESS":
                cls = ("MISSING", "STATUS")
            elif s["amount"] > lrow["cents"]:
                cls = ("LONG", "AMOUNT")
            elif s["amount"] < lrow["cents"]:
                cls = ("SHORT", "AMOUNT")
            else:
                cls = ("matched", "")
            if lrow is not None:
                seen.add((s["kind"], key))
            out.append((s["kind"], s["order"], s["refund"]) + cls)
        prev = f"{day[:8]}{int(day[8:]) - 1:02d}"
        for r in led:
            key = (r["kind"], r["refund_code"] if r["kind"] == "REFUND" else r["order_code"])
            if key in seen:
                continue
            if r["status"] == "SUCCESS" and r["paid_at"][:10] == day:
                out.append((r["kind"], r["order_code"], r["refund_code"], "PENDING", ""))
            elif r["status"] == "SUCCESS" and r["paid_at"][:10] == prev:
                out.append((r["kind"], r["order_code"], r["refund_code"],
                            "LONG" if r["kind"] == "REFUND" else "SHORT", "NO_STATEMENT"))
            elif r["status"] != "SUCCESS" and r["created_at"][:10] == day:
                out.append((r["kind"], r["order_code"], r["refund_code"], "none", ""))
        result[day] = sorted(out)
    return result


def expected_tables():
    """{(channel, day): sorted [(kind, order, refund, class, reason)]} from EXPECTED.md."""
    exp, ch, day = {}, None, None
    for line in open(os.path.join(STMT, "EXPECTED.md"), encoding="utf-8"):
        if line.startswith("## "):
            ch = line[3:].strip()
        elif line.startswith("### 20"):
            day = line[4:14]
        elif line.startswith("| PAY") or line.startswith("| REFUND"):
            c = [v.strip() for v in line.strip().strip("|").split("|")]
            exp.setdefault((ch, day), []).append((c[0], c[1], c[2], c[5], c[6]))
    return {k: sorted(v) for k, v in exp.items()}


# -------------------------------------------------------------- bad inputs


def check_bad():
    t = open(os.path.join(BAD, "wechat-truncated.csv.gz"), "rb").read()
    try:
        gzip.decompress(t)
        check(False, "truncated gzip decompresses")
    except EOFError:
        pass
    try:
        z = zipfile.ZipFile(os.path.join(BAD, "alipay-corrupt.zip"))
        for i in z.infolist():
            z.read(i)
        check(False, "corrupt zip reads")
    except (zipfile.BadZipFile, zlib.error):
        pass
    names = [n for n, _ in raw_zip_names(open(os.path.join(BAD, "alipay-no-detail-entry.zip"), "rb").read())]
    check(names == ["2088123412341234_20261121_业务明细(汇总).csv".encode("gbk")], "no-detail zip entries")
    names = zipfile.ZipFile(os.path.join(BAD, "unionpay-no-zm-entry.zip")).namelist()
    check(names == ["INN26112188ZME_777290058123456"], "no-ZM zip entries")
    z = zipfile.ZipFile(os.path.join(BAD, "alipay-bad-total.csv.zip"))
    detail = z.read(z.infolist()[0]).decode("gbk")
    rows, (n, s, _, _) = alipay_detail(detail, "2026-11-21", "bad-total")
    sales = [r for r in rows if r["业务类型"] == "交易"]
    check(n != len(sales) and s != sum(cents(r["商家实收（元）"]) for r in sales), "bad total does not add up")
    g = open(os.path.join(BAD, "wechat-gbk.csv"), "rb").read()
    try:
        g.decode("utf-8")
        check(False, "GBK file decodes as UTF-8")
    except UnicodeDecodeError as e:
        check(e.start == 0, f"GBK file: first bad byte at {e.start}")
    check(g.decode("gbk").startswith("交易时间,"), "GBK file is the WeChat bill")
    z = zipfile.ZipFile(os.path.join(BAD, "unionpay-short-record.zip"))
    lens = [len(r) for r in z.read("INN26112188ZM_777290058123456")[:-2].split(b"\r\n")]
    check(lens[2] == 300 and all(v == 608 for i, v in enumerate(lens) if i != 2), f"short record lengths {lens}")
    u = open(os.path.join(BAD, "wechat-unknown-layout.csv"), encoding="utf-8", newline="").read().split("\r\n")[0].split(",")
    check(not set(u) & set(WX_ALL) - {"交易时间"} and "记账时间" in u, "unknown layout header")


def main():
    ledger = load_ledger()
    got = {}
    days = ("2026-11-21", "2026-11-22")
    per = {
        "alipay": [(d, check_alipay(os.path.join(STMT, "alipay", f"2088123412341234_{d.replace('-', '')}.csv.zip"), d))
                   for d in days],
        "wechat": [(d, check_wechat(os.path.join(STMT, "wechat", f"{d.replace('-', '')}.csv.gz"), d)) for d in days],
        "unionpay": [(d, check_unionpay(os.path.join(STMT, "unionpay", f"777290058123456_{d.replace('-', '')}.zip"), d))
                     for d in days],
        "square": [(d, check_square(os.path.join(STMT, "square", f"transactions-{d}.csv"), d)) for d in days],
        "adyen": [(d, check_adyen(os.path.join(STMT, "adyen", f"settlement_detail_report_{d.replace('-', '')}.csv"), d))
                  for d in days],
    }
    check_wechat_layouts(per["wechat"][0][1])
    ny = check_unionpay(os.path.join(STMT, "unionpay", "777290058123456_20270101.zip"), "2027-01-01")
    check([r["when"] for r in ny] == ["2026-12-31 23:30:12", "2027-01-01 10:05:40"], f"new-year times {ny}")
    paid = {r["order_code"]: r["paid_at"] for r in ledger if r["kind"] == "PAY"}
    check(all(paid.get(r["order"]) for r in ny), "new-year orders paid in the ledger")
    for ch, dl in per.items():
        for day, res in reconcile(ch, dl, ledger).items():
            got[(ch, day)] = res
    exp = expected_tables()
    check(set(exp) == set(got), f"EXPECTED.md tables {sorted(exp)} vs {sorted(got)}")
    for k in sorted(got):
        if not check(exp.get(k) == got[k], f"classes differ for {k}"):
            for line in sorted(set(exp.get(k, [])) ^ set(got[k])):
                print("   ", "expected" if line in exp.get(k, []) else "computed", line)
    for ch in per:
        cls = {c[3] + ("/" + c[4] if c[4] else "") for d in days for c in got[(ch, d)]}
        need = {"matched", "LONG/NO_LEDGER", "LONG/DUPLICATE", "MISSING/STATUS", "LONG/AMOUNT", "SHORT/AMOUNT",
                "SHORT/NO_LEDGER", "PENDING", "SHORT/NO_STATEMENT"}
        check(need <= cls, f"{ch}: classes missing {need - cls}")
        check(any(c[0] == "REFUND" and c[3] == "matched" for d in days for c in got[(ch, d)]), f"{ch}: matched refund")
    check_bad()
    for f in FAILS:
        print("FAIL:", f)
    print(f"{'FAILED' if FAILS else 'ok'}: {sum(len(v) for v in got.values())} classified rows over "
          f"{len(got)} channel-days, {len(FAILS)} failures")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
