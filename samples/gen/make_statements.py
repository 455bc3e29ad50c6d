#!/usr/bin/env python3
"""Generate the sample channel statements, the matching ledger and the bad inputs.

Deterministic, standard library only: the same run writes the same bytes
(given the same zlib; the committed files are what the tests use, nobody has
to run this). Run from anywhere:  python3 samples/gen/make_statements.py

Writes
  samples/statements/{alipay,wechat,unionpay,square,adyen}/...
  samples/statements/EXPECTED.md     the injected cases and control totals
  samples/ledger-channels.csv        the ledger side (design.md ledger CSV)
  tests/data/bad/...                 broken inputs, see tests/data/bad/README.md

Every channel has ONE list of transactions below (ALIPAY, WECHAT, ...); the
statement rows, the ledger rows and EXPECTED.md are all derived from it, so
they cannot disagree. The layouts follow ../shared/docs/channel-formats.md
(see samples/gen/README.md for what is a fact and what is an assumption).
"""

import csv
import datetime as dt
import gzip
import hashlib
import io
import os
import struct
import zipfile
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
STMT = os.path.join(ROOT, "samples", "statements")
BAD = os.path.join(ROOT, "tests", "data", "bad")

DAY1, DAY2 = "2026-11-21", "2026-11-22"
NEWYEAR = "2027-01-01"

# ---------------------------------------------------------------- helpers


def ymd(d):
    return d.replace("-", "")


def order_code(day, ch, seq):
    """22 digits: the order's date, the channel digit, a 13-digit serial."""
    return f"{ymd(day)}{ch}{seq:013d}"


def refund_code(day, ch, seq):
    """24 digits: date, channel digit, 8, a 14-digit serial."""
    return f"{ymd(day)}{ch}8{seq:014d}"


def half_up(num, den):
    """num/den rounded to the nearest integer, halves away from zero (ints only)."""
    q, r = divmod(abs(num), den)
    if 2 * r >= den:
        q += 1
    return q if num >= 0 else -q


def major(minor, sep=""):
    """Minor units to 'd.dd' (optionally with a thousands separator)."""
    s = "-" if minor < 0 else ""
    a = abs(minor)
    whole = f"{a // 100:,}" if sep else str(a // 100)
    return f"{s}{whole}.{a % 100:02d}"


def digest(*parts):
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()


def ident(alphabet, n, *parts):
    """A deterministic pseudo-random id of n characters from alphabet."""
    v = int.from_bytes(digest(*parts), "big")
    out = []
    for _ in range(n):
        v, r = divmod(v, len(alphabet))
        out.append(alphabet[r])
    return "".join(out)


def digits(n, *parts):
    return ident("0123456789", n, *parts)


B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
UPPER_ALNUM = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def luhn_complete(prefix):
    """Append the Luhn check digit to prefix."""
    total = 0
    for i, ch in enumerate(reversed(prefix)):
        d = int(ch)
        if i % 2 == 0:          # these get doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return prefix + str((10 - total % 10) % 10)


def shift(ts, seconds):
    """'YYYY-MM-DD HH:MM:SS' plus seconds (naive civil arithmetic)."""
    t = dt.datetime.strptime(ts, "%Y-%m-%d %H:%M:%S") + dt.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%d %H:%M:%S")


def next_day(day, n=1):
    return (dt.date.fromisoformat(day) + dt.timedelta(days=n)).isoformat()


def epoch(ts, off_hours):
    """Seconds since the epoch of local civil time ts at UTC+off_hours."""
    tz = dt.timezone(dt.timedelta(hours=off_hours))
    return int(dt.datetime.strptime(ts, "%Y-%m-%d %H:%M:%S").replace(tzinfo=tz).timestamp())


def iso(ts, off):
    return ts.replace(" ", "T") + off


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def rel(path):
    return os.path.relpath(path, ROOT)


# ----------------------------------------------------------- transactions
#
# case names (what the reconciliation should make of the row):
#   match             statement and ledger agree
#   no_ledger         statement payment the ledger does not know      LONG/NO_LEDGER
#   dup               first of two statement rows for one order        matched
#   dup_extra         the second row                                   LONG/DUPLICATE
#   missing           ledger has the order PENDING, statement paid     MISSING/STATUS
#   long_amount       statement amount above the ledger's              LONG/AMOUNT
#   short_amount      statement amount below the ledger's              SHORT/AMOUNT
#   no_statement      ledger paid on day 1, on no statement            PENDING, then SHORT/NO_STATEMENT
#   late              ledger paid 23:59:58 day 1, statement of day 2   PENDING, then matched
#   closed            ledger CLOSED, no statement row                  nothing
#   refund_match      refund on both sides, same refund code           matched
#   refund_no_ledger  statement refund the ledger never booked         SHORT/NO_LEDGER
#   refund_no_statement ledger refund the channel never made           PENDING, then LONG/NO_STATEMENT

STATEMENT_CASES = {"match", "no_ledger", "dup", "dup_extra", "missing", "long_amount",
                   "short_amount", "late", "refund_match", "refund_no_ledger"}
LEDGER_PAY_PAID = {"match", "dup", "long_amount", "short_amount", "no_statement", "late"}


@dataclass
class T:
    case: str
    order: str
    amount: int                 # minor units, magnitude on the statement (refund: refunded amount)
    at: str                     # when the channel completed it, local civil time
    goods: str = ""
    ledger_amount: int = None   # magnitude in the ledger when it differs
    refund: str = None          # merchant refund code (refund rows)
    ledger_at: str = None       # late: when the ledger says it was paid
    x: dict = field(default_factory=dict)   # per-channel extras

    @property
    def is_refund(self):
        return self.case.startswith("refund")

    @property
    def lamount(self):
        return self.amount if self.ledger_amount is None else self.ledger_amount

    @property
    def created(self):
        """When the order (refund request) was created: a few seconds before."""
        return shift(self.ledger_at or self.at, -(7 + int(self.order[-2:]) % 40))

    @property
    def statement_day(self):
        return self.at[:10] if self.case in STATEMENT_CASES else None


def tx_list(day, ch, rows):
    """rows: (case, seq, amount, time, goods, extras...) -> [T]; refunds follow their sale."""
    out = []
    for r in rows:
        case, seq, amount, hms, goods = r[:5]
        opts = r[5] if len(r) > 5 else {}
        t = T(case, order_code(day, ch, seq), amount, f"{day} {hms}", goods,
              ledger_amount=opts.get("ledger"), x=dict(opts.get("x", {})))
        if case == "late":
            t.ledger_at = f"{day} 23:59:58"
            t.at = opts["stmt_at"]
        out.append(t)
        for rcase, rseq, ramount, rhms in opts.get("refunds", []):
            out.append(T(rcase, t.order, ramount, f"{day} {rhms}", goods,
                         refund=refund_code(day, ch, rseq), x=dict(t.x)))
    return out


# Alipay: CNY, China time. Channel digit 1.
ALIPAY = tx_list(DAY1, 1, [
    ("match", 1, 12800, "09:02:11", "精品咖啡豆 500g", {"x": {"buyer": "*明(138****5678)"}}),
    ("match", 2, 268000, "09:45:37", "商务礼盒（定制）", {"x": {"buyer": "li***@163.com"}}),
    ("match", 3, 990, "10:03:05", "会员月卡·尊享", {"x": {"buyer": "*芳(139****0021)"}}),
    ("match", 4, 35600, "10:31:48", "蓝牙耳机", {"x": {"buyer": "*强(186****7730)"},
                                              "refunds": [("refund_match", 1, 35600, "15:20:09")]}),
    ("match", 5, 129900, "11:12:30", "空气净化器", {"x": {"buyer": "wa***@qq.com"},
                                                 "refunds": [("refund_no_ledger", 2, 20000, "16:45:02")]}),
    ("no_ledger", 6, 6660, "12:20:41", "手机壳", {"x": {"buyer": "*静(137****2600)"}}),
    ("dup", 7, 4550, "13:05:09", "午餐套餐", {"x": {"buyer": "*伟(158****3381)"}}),
    ("dup_extra", 7, 4550, "13:05:52", "午餐套餐", {"x": {"buyer": "*伟(158****3381)"}}),
    ("missing", 8, 23800, "13:48:15", "运动鞋垫", {"x": {"buyer": "*磊(135****9012)"}}),
    ("long_amount", 9, 52000, "14:10:27", "保温杯套装", {"ledger": 50200, "x": {"buyer": "zh***@126.com"}}),
    ("short_amount", 10, 8800, "14:55:03", "绿茶礼罐", {"ledger": 9800, "x": {"buyer": "*洋(130****4455)"}}),
    ("no_statement", 11, 19900, "15:40:18", "电动牙刷"),
    ("late", 12, 7500, "23:59:58", "夜宵外卖", {"stmt_at": "2026-11-22 00:00:01",
                                              "x": {"buyer": "*婷(152****6610)"}}),
    ("closed", 13, 5900, "17:02:44", "书签"),
    ("match", 14, 1750, "18:21:36", "鲜花", {"x": {"buyer": "*雪(188****1209)"}}),
    ("match", 15, 1280000, "19:30:00", "笔记本电脑", {"x": {"buyer": "ch***@outlook.com"}}),
    ("match", 16, 16800, "20:11:11", "床品四件套", {"x": {"buyer": "*军(139****8876)"},
                                                 "refunds": [("refund_no_statement", 3, 16800, "21:05:33")]}),
]) + tx_list(DAY2, 1, [
    ("match", 1, 3990, "08:15:20", "早餐套餐", {"x": {"buyer": "*丽(136****4321)"}}),
    ("match", 2, 56000, "10:22:49", "加湿器", {"x": {"buyer": "ma***@sina.com"}}),
])

# WeChat Pay: CNY, China time. Channel digit 2.
WECHAT = tx_list(DAY1, 2, [
    ("match", 1, 5750, "08:40:12", "奶茶两杯", {"x": {"type": "MICROPAY", "bank": "CFT"}}),
    ("match", 2, 188800, "09:12:45", "年卡会员", {"x": {"type": "JSAPI", "bank": "CMB_CREDIT"}}),
    ("match", 3, 750, "09:30:03", "停车费", {"x": {"type": "NATIVE", "bank": "OTHERS"}}),
    ("match", 4, 39900, "10:05:27", "儿童绘本套装", {"x": {"type": "JSAPI", "bank": "ICBC_DEBIT"},
                                                  "refunds": [("refund_match", 1, 39900, "14:22:31")]}),
    ("match", 5, 219900, "10:48:09", "扫地机器人", {"x": {"type": "APP", "bank": "CCB_CREDIT"},
                                                 "refunds": [("refund_no_ledger", 2, 30000, "17:03:44")]}),
    ("no_ledger", 6, 12880, "11:26:55", "咖啡豆挂耳包", {"x": {"type": "JSAPI", "bank": "CFT"}}),
    ("dup", 7, 3600, "12:02:18", "牛肉面", {"x": {"type": "MICROPAY", "bank": "CFT"}}),
    ("dup_extra", 7, 3600, "12:02:47", "牛肉面", {"x": {"type": "MICROPAY", "bank": "OTHERS"}}),
    ("missing", 8, 68800, "12:40:30", "瑜伽课十次卡", {"x": {"type": "JSAPI", "bank": "ABC_DEBIT"}}),
    ("long_amount", 9, 15000, "13:15:06", "电影票两张", {"ledger": 13500, "x": {"type": "NATIVE", "bank": "CFT"}}),
    ("short_amount", 10, 4200, "13:58:41", "水果拼盘", {"ledger": 4800, "x": {"type": "MWEB", "bank": "CFT"}}),
    ("no_statement", 11, 26600, "15:10:22", "保湿面霜"),
    ("late", 12, 9900, "23:59:58", "深夜书店", {"stmt_at": "2026-11-22 00:00:02",
                                              "x": {"type": "JSAPI", "bank": "CFT"}}),
    ("closed", 13, 1880, "16:20:09", "矿泉水一箱"),
    ("match", 14, 1750, "16:44:19", "洗车", {"x": {"type": "NATIVE", "bank": "BOC_DEBIT"}}),
    ("match", 15, 560000, "19:05:55", "婚宴定金", {"x": {"type": "APP", "bank": "CMB_DEBIT"}}),
]) + tx_list(DAY2, 2, [
    ("match", 1, 2350, "09:01:33", "煎饼果子", {"x": {"type": "MICROPAY", "bank": "CFT"}}),
    ("match", 2, 128000, "11:47:02", "健身私教课", {"x": {"type": "JSAPI", "bank": "CMB_CREDIT"}}),
])

# UnionPay online: CNY, China time. Channel digit 3. Times stay before 23:00 so a
# 23:00 cut-off would put the same rows on the same days (except "late").
PAN = {
    "icbc": luhn_complete("622202100112345678"),     # 19 digits
    "ccb": luhn_complete("621700123400567890"),      # 19 digits
    "cmbc": luhn_complete("622588012345678"),        # 16 digits, credit
    "boc": luhn_complete("621661280000345612"),      # 19 digits
    "abc": luhn_complete("622848004812345678"),      # 19 digits
    "pab": luhn_complete("622155001234567"),         # 16 digits, credit
}
UNIONPAY = tx_list(DAY1, 3, [
    ("match", 1, 158000, "08:55:21", "", {"x": {"pan": "icbc"}}),
    ("match", 2, 2680000, "09:40:08", "", {"x": {"pan": "cmbc"}}),
    ("match", 3, 32000, "10:12:44", "", {"x": {"pan": "ccb"}}),
    ("match", 4, 499900, "10:59:30", "", {"x": {"pan": "boc"},
                                        "refunds": [("refund_match", 1, 499900, "15:31:12")]}),
    ("match", 5, 865000, "11:35:18", "", {"x": {"pan": "pab"},
                                        "refunds": [("refund_no_ledger", 2, 65000, "16:20:05")]}),
    ("no_ledger", 6, 78000, "12:08:57", "", {"x": {"pan": "abc"}}),
    ("dup", 7, 120000, "12:45:33", "", {"x": {"pan": "icbc"}}),
    ("dup_extra", 7, 120000, "12:46:10", "", {"x": {"pan": "icbc"}}),
    ("missing", 8, 356000, "13:20:49", "", {"x": {"pan": "ccb"}}),
    ("long_amount", 9, 245000, "14:02:16", "", {"ledger": 240500, "x": {"pan": "cmbc"}}),
    ("short_amount", 10, 99000, "14:47:39", "", {"ledger": 109000, "x": {"pan": "boc"}}),
    ("no_statement", 11, 175000, "16:40:25", ""),
    ("late", 12, 68000, "23:59:58", "", {"stmt_at": "2026-11-22 00:00:03", "x": {"pan": "abc"}}),
    ("closed", 13, 45000, "17:05:00", ""),
    ("match", 14, 1250, "17:30:00", "", {"x": {"pan": "pab"}}),
]) + tx_list(DAY2, 3, [
    ("match", 1, 210000, "09:12:00", "", {"x": {"pan": "ccb"}}),
    ("match", 2, 36000, "13:33:33", "", {"x": {"pan": "cmbc"}}),
])
# The 2027-01-01 bill: a record from 12-31 (no year in MMDDhhmmss) and one from 01-01.
UNIONPAY_NEWYEAR = (tx_list("2026-12-31", 3, [("match", 1, 86000, "23:30:12", "", {"x": {"pan": "boc"}})])
                    + tx_list(NEWYEAR, 3, [("match", 1, 134000, "10:05:40", "", {"x": {"pan": "icbc"}})]))

# Square: USD (one CAD location), Pacific time. Channel digit 4.
# x: gross, discount, tax, tip (cents), src (pos|web), loc (us|ca), brand, last4
SQUARE = tx_list(DAY1, 4, [
    ("match", 1, 3192, "08:12:40", "Latte, Almond Croissant", {"x": {"brand": "Visa", "last4": "4242"}}),
    ("match", 2, 124000, "11:05:31", "Espresso Machine", {"x": {"src": "web", "brand": "American Express", "last4": "0005"}}),
    ("match", 3, 5178, "09:47:03", "Brunch for Two", {"x": {"gross": 4200, "tax": 378, "tip": 600,
                                                            "brand": "MasterCard", "last4": "5454"}}),
    ("match", 4, 4500, "10:16:22", "Ceramic Mug Set", {"x": {"brand": "Visa", "last4": "1881"},
                                                      "refunds": [("refund_match", 1, 4500, "14:10:55")]}),
    ("match", 5, 18900, "10:58:47", "Coffee Subscription (3 months)", {"x": {"src": "web", "brand": "Discover", "last4": "1117"},
                                                                      "refunds": [("refund_no_ledger", 2, 2000, "16:02:18")]}),
    ("no_ledger", 6, 2750, "10:21:09", "Cold Brew Growler", {"x": {"brand": "Visa", "last4": "0077"}}),
    ("dup", 7, 1875, "12:30:44", "Sandwich Combo", {"x": {"brand": "MasterCard", "last4": "4444"}}),
    ("dup_extra", 7, 1875, "12:31:20", "Sandwich Combo", {"x": {"brand": "MasterCard", "last4": "4444"}}),
    ("missing", 8, 6400, "13:05:37", "Pour-over Kit", {"x": {"src": "web", "brand": "Visa", "last4": "3220"}}),
    ("long_amount", 9, 11200, "13:44:12", "Catering Tray", {"ledger": 11000, "x": {"brand": "Visa", "last4": "9424"}}),
    ("short_amount", 10, 7320, "14:36:50", "Gift Basket", {"ledger": 7520, "x": {"brand": "MasterCard", "last4": "2223"}}),
    ("no_statement", 11, 5840, "15:20:05", "Whole Bean 2 lb"),
    ("late", 12, 9600, "23:59:58", "Late Night Pastry Box", {"stmt_at": "2026-11-22 00:00:04",
                                                           "x": {"src": "web", "brand": "Visa", "last4": "6006"}}),
    ("closed", 13, 2200, "16:40:00", "Tea Sampler"),
    ("match", 14, 5800, "12:02:26", "Maple Latte Beans", {"x": {"loc": "ca", "brand": "Visa", "last4": "8015"}}),
    ("match", 15, 7848, "17:45:00", "Pastry Platter", {"x": {"gross": 8000, "discount": 800, "tax": 648,
                                                             "brand": "American Express", "last4": "1000"}}),
]) + tx_list(DAY2, 4, [
    ("match", 1, 1425, "09:30:10", "Cappuccino, Muffin", {"x": {"brand": "Visa", "last4": "4111"}}),
    ("match", 2, 30560, "12:15:45", "Barista Class", {"x": {"src": "web", "brand": "MasterCard", "last4": "5100"}}),
])

# Adyen: EUR, CET. Channel digit 5.
ADYEN = tx_list(DAY1, 5, [
    ("match", 1, 124000, "09:14:22", "", {"x": {"pm": "visa", "var": "visacredit"}}),
    ("match", 2, 8995, "10:02:51", "", {"x": {"pm": "mc", "var": "mcdebit"}}),
    ("match", 3, 2450, "10:40:13", "", {"x": {"pm": "ideal", "var": "ideal"}}),
    ("match", 4, 31000, "11:02:37", "", {"x": {"pm": "visa", "var": "visadebit"},
                                       "refunds": [("refund_match", 1, 31000, "15:12:40")]}),
    ("match", 5, 74500, "11:20:04", "", {"x": {"pm": "mc", "var": "mccredit"},
                                       "refunds": [("refund_no_ledger", 2, 4500, "16:48:09")]}),
    ("no_ledger", 6, 5990, "11:30:27", "", {"x": {"pm": "visa", "var": "visacredit"}}),
    ("dup", 7, 12900, "12:10:05", "", {"x": {"pm": "mc", "var": "mccredit"}}),
    ("dup_extra", 7, 12900, "12:10:48", "", {"x": {"pm": "mc", "var": "mccredit"}}),
    ("missing", 8, 21500, "13:02:33", "", {"x": {"pm": "visa", "var": "visacredit"}}),
    ("long_amount", 9, 48000, "13:55:19", "", {"ledger": 47000, "x": {"pm": "amex", "var": "amex"}}),
    ("short_amount", 10, 3680, "14:28:46", "", {"ledger": 3860, "x": {"pm": "visa", "var": "visadebit"}}),
    ("no_statement", 11, 14200, "15:45:30", ""),
    ("late", 12, 6700, "23:59:58", "", {"stmt_at": "2026-11-22 00:00:05", "x": {"pm": "mc", "var": "mcdebit"}}),
    ("closed", 13, 1999, "16:05:00", ""),
]) + tx_list(DAY2, 5, [
    ("match", 1, 42000, "09:20:00", "", {"x": {"pm": "visa", "var": "visacredit"}}),
    ("match", 2, 1575, "11:11:11", "", {"x": {"pm": "ideal", "var": "ideal"}}),
])

CHANNELS = {
    # name: (transactions, currency, utc offset, channel digit)
    "alipay": (ALIPAY, "CNY", "+08:00"),
    "wechat": (WECHAT, "CNY", "+08:00"),
    "unionpay": (UNIONPAY + UNIONPAY_NEWYEAR, "CNY", "+08:00"),
    "square": (SQUARE, "USD", "-08:00"),
    "adyen": (ADYEN, "EUR", "+01:00"),
}


def currency_of(ch, t):
    if ch == "square" and t.x.get("loc") == "ca":
        return "CAD"
    return CHANNELS[ch][1]


def on_statement(txns, day):
    """The statement rows of one day, in time order (stable)."""
    return sorted((t for t in txns if t.statement_day == day), key=lambda t: t.at)


def sale_of(txns, refund):
    return next(t for t in txns if t.order == refund.order and not t.is_refund
                and t.case != "dup_extra")


# ------------------------------------------------------------------ ledger

LEDGER_HEADER = "order_code,refund_code,channel,kind,amount,currency,status,created_at,paid_at"


def ledger_rows(ch, txns):
    off = CHANNELS[ch][2]
    rows = []
    for t in txns:
        cur = currency_of(ch, t)
        if t.case in LEDGER_PAY_PAID:
            rows.append((t.order, "", ch, "PAY", major(t.lamount), cur, "SUCCESS",
                         iso(t.created, off), iso(t.ledger_at or t.at, off)))
        elif t.case in ("missing", "closed"):
            st = "PENDING" if t.case == "missing" else "CLOSED"
            rows.append((t.order, "", ch, "PAY", major(t.lamount), cur, st, iso(t.created, off), ""))
        elif t.case in ("refund_match", "refund_no_statement"):
            rows.append((t.order, t.refund, ch, "REFUND", major(-t.lamount), cur, "SUCCESS",
                         iso(shift(t.at, -4), off), iso(t.at, off)))
    return rows


def write_ledger():
    out = [LEDGER_HEADER]
    for ch, (txns, _, _) in CHANNELS.items():
        rows = ledger_rows(ch, txns)
        rows.sort(key=lambda r: (r[8] or r[7], r[0], r[1]))
        out += [",".join(r) for r in rows]
    write(os.path.join(ROOT, "samples", "ledger-channels.csv"), ("\n".join(out) + "\n").encode())


# ------------------------------------------------------------------ alipay

ALIPAY_PID = "2088123412341234"
ALIPAY_ACCOUNT = ALIPAY_PID + "0156"
ALIPAY_COLUMNS = ["支付宝交易号", "商户订单号", "业务类型", "商品名称", "创建时间", "完成时间", "门店编号",
                  "门店名称", "操作员", "终端号", "对方账户", "订单金额（元）", "商家实收（元）", "支付宝红包（元）",
                  "集分宝（元）", "支付宝优惠（元）", "商家优惠（元）", "券核销金额（元）", "券名称",
                  "商家红包消费金额（元）", "卡消费金额（元）", "退款批次号/请求号", "服务费（元）", "分润（元）", "备注"]
ALIPAY_SUMMARY_COLUMNS = ["门店编号", "门店名称", "交易订单总笔数", "退款订单总笔数", "订单金额（元）", "商家实收（元）",
                          "支付宝优惠（元）", "商家优惠（元）", "卡消费金额（元）", "服务费（元）", "分润（元）", "实收净额（元）"]
ALIPAY_DETAIL_BEGIN = "#" + "-" * 41 + "业务明细列表" + "-" * 40
ALIPAY_DETAIL_END = "#" + "-" * 41 + "业务明细列表结束" + "-" * 36
ALIPAY_SUMMARY_BEGIN = "#" + "-" * 41 + "业务汇总列表" + "-" * 40
ALIPAY_SUMMARY_END = "#" + "-" * 40 + "业务汇总列表结束" + "-" * 37
ALIPAY_FEE_PER_MILLE = 6     # 0.6 %, rounded half up to the fen


def alipay_trade_no(sale):
    return f"{ymd(sale.at[:10])}22001{digits(15, 'alipay', sale.case, sale.order, sale.at)}"


def alipay_fee(t):
    """Service fee in fen, from the merchant's view: charged on sales (negative),
    returned pro rata on refunds (positive)."""
    f = half_up(t.amount * ALIPAY_FEE_PER_MILLE, 1000)
    return f if t.is_refund else -f


def cn_date(ts):
    return f"{ts[0:4]}年{ts[5:7]}月{ts[8:10]}日 {ts[11:]}"


def alipay_detail_row(txns, t):
    sale = sale_of(txns, t) if t.is_refund else t
    tab = lambda s: s + "\t"
    amt = -t.amount if t.is_refund else t.amount
    return [
        tab(alipay_trade_no(sale)),        # a refund keeps the sale's 支付宝交易号
        tab(t.order),
        tab("退款" if t.is_refund else "交易"),
        t.goods,
        sale.created,                      # 创建时间: the trade's creation, also on refunds
        t.at,                              # 完成时间: the day the row belongs to
        tab(""), tab(""), tab(""), tab(""),
        tab(sale.x["buyer"]),
        major(amt), major(amt), "0.00", "0.00", "0.00", "0.00", "0.00", "",
        tab("0.00"), "0.00",
        tab(t.refund or ""),
        major(alipay_fee(t)), "0.00",
        t.x.get("memo", ""),
    ]


def alipay_files(day, export_at, txns=ALIPAY, drop_row=None):
    """The detail and summary CSV texts (str) and the totals for one day."""
    rows = on_statement(txns, day)
    if drop_row is not None:
        rows = [r for r in rows if r is not drop_row]
    end = next_day(day)
    sales = [t for t in rows if not t.is_refund]
    refunds = [t for t in rows if t.is_refund]
    tot = {
        "sales": len(sales), "sales_sum": sum(t.amount for t in sales),
        "refunds": len(refunds), "refunds_sum": -sum(t.amount for t in refunds),
        "fee": sum(alipay_fee(t) for t in rows),
    }
    head = ["#支付宝业务明细查询", f"#账号：[{ALIPAY_ACCOUNT}]",
            f"#起始日期：[{cn_date(day + ' 00:00:00')}]   终止日期：[{cn_date(end + ' 00:00:00')}]"]
    detail = head + [ALIPAY_DETAIL_BEGIN, ",".join(ALIPAY_COLUMNS)]
    detail += [",".join(alipay_detail_row(txns, t)) for t in rows]
    detail += [ALIPAY_DETAIL_END,
               f"#交易合计：{tot['sales']}笔，商家实收共{major(tot['sales_sum'])}元，商家优惠共0.00元",
               f"#退款合计：{tot['refunds']}笔，商家实收退款共{major(tot['refunds_sum'])}元，商家优惠退款共0.00元",
               f"#导出时间：[{cn_date(export_at)}]"]
    net = tot["sales_sum"] + tot["refunds_sum"]
    figures = [str(tot["sales"]), str(tot["refunds"]), major(net), major(net), "0.00", "0.00", "0.00",
               major(tot["fee"]), "0.00", major(net + tot["fee"])]
    summary = ["#支付宝业务汇总查询", head[1], head[2],
               ALIPAY_SUMMARY_BEGIN, ",".join(ALIPAY_SUMMARY_COLUMNS),
               ",".join(["\t", "\t"] + figures),
               ",".join(["合计", ""] + figures),
               ALIPAY_SUMMARY_END,
               f"#导出时间：[{cn_date(export_at)}]"]
    crlf = lambda lines: "\r\n".join(lines) + "\r\n"
    return crlf(detail), crlf(summary), tot, rows


class GbkNameZipInfo(zipfile.ZipInfo):
    """A zip entry whose name is written as raw GBK bytes without the UTF-8
    flag (0x800), as Alipay's Windows-side zipper does. zipfile would otherwise
    write any non-ASCII name as UTF-8 and set the flag."""

    def __init__(self, name, date_time):
        raw = name.encode("gbk")
        super().__init__(raw.decode("cp437"), date_time)   # how a reader without the flag sees it
        self.raw_name = raw

    def _encodeFilenameFlags(self):
        return self.raw_name, self.flag_bits & ~0x800


def make_zip(entries, date_time, gbk_names=False):
    """entries: [(name, bytes)] -> zip bytes, deterministic (fixed times, DOS attributes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries:
            zi = GbkNameZipInfo(name, date_time) if gbk_names else zipfile.ZipInfo(name, date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 0
            zi.external_attr = 0x20        # MS-DOS "archive"
            z.writestr(zi, data)
    return buf.getvalue()


def alipay_zip(day, export_at, drop_row=None, only_summary=False, summary_first=False):
    detail, summary, tot, rows = alipay_files(day, export_at, drop_row=drop_row)
    base = f"{ALIPAY_PID}_{ymd(day)}"
    entries = [(f"{base}_业务明细.csv", detail.encode("gbk")),
               (f"{base}_业务明细(汇总).csv", summary.encode("gbk"))]
    if only_summary:
        entries = entries[1:]
    elif summary_first:
        entries.reverse()
    dt_ = tuple(int(v) for v in (export_at[0:4], export_at[5:7], export_at[8:10],
                                 export_at[11:13], export_at[14:16], export_at[17:19]))
    return make_zip(entries, dt_, gbk_names=True), tot, rows


# ------------------------------------------------------------------ wechat

WX_APPID = "wx2421b1c4370ec43b"
WX_MCHID = "1230000109"
WX_ALL = ["交易时间", "公众账号ID", "商户号", "特约商户号", "设备号", "微信订单号", "商户订单号", "用户标识",
          "交易类型", "交易状态", "付款银行", "货币种类", "应结订单金额", "代金券金额", "微信退款单号",
          "商户退款单号", "退款金额", "充值券退款金额", "退款类型", "退款状态", "商品名称", "商户数据包", "手续费",
          "费率", "订单金额", "申请退款金额", "费率备注"]
WX_REFUND_ONLY = ["微信退款单号", "商户退款单号", "退款金额", "充值券退款金额", "退款类型", "退款状态"]
WX_SUCCESS = [c for c in WX_ALL if c not in WX_REFUND_ONLY and c != "申请退款金额"]
WX_REFUND = WX_ALL[:14] + ["退款申请时间", "退款成功时间"] + WX_ALL[14:]
WX_OLD = ["交易时间", "公众账号ID", "商户号", "子商户号", "设备号", "微信订单号", "商户订单号", "用户标识",
          "交易类型", "交易状态", "付款银行", "货币种类", "总金额", "代金券或立减优惠金额", "微信退款单号",
          "商户退款单号", "退款金额", "代金券或立减优惠退款金额", "退款类型", "退款状态", "商品名称", "商户数据包",
          "手续费", "费率"]
WX_SUMMARY = ["总交易单数", "应结订单总金额", "退款总金额", "充值券退款总金额", "手续费总金额", "订单总金额", "申请退款总金额"]
WX_OLD_SUMMARY = ["总交易单数", "总交易额", "总退款金额", "总代金券或立减优惠退款金额", "手续费总金额"]
assert len(WX_ALL) == 27 and len(WX_SUCCESS) == 20 and len(WX_REFUND) == 29 and len(WX_OLD) == 24
WX_FEE_PER_MILLE = 6


def wx_fee5(t):
    """手续费 in units of 0.00001 yuan: 0.6 % of the amount is exact at 5 decimals
    (fen * 6); negative on refunds (returned to the merchant)."""
    u = t.amount * WX_FEE_PER_MILLE
    return -u if t.is_refund else u


def wx_fee_fen(t):
    """The fee rounded to the fen, half away from zero (see samples/gen/README.md)."""
    return half_up(wx_fee5(t), 1000)


def fmt5(u):
    s = "-" if u < 0 else ""
    a = abs(u)
    return f"{s}{a // 100000}.{a % 100000:05d}"


def wx_ids(txns, t):
    sale = sale_of(txns, t) if t.is_refund else t
    d = ymd(sale.at[:10])
    txid = f"42000023{digits(2, 'wxbank', sale.order)}{d}{digits(10, 'wx', sale.case, sale.order, sale.at)}"
    openid = "oUpF8u" + ident(B62 + "_-", 22, "openid", sale.order)
    rid = f"503031{digits(4, 'wxr', t.order)}{ymd(t.at[:10])}{digits(11, 'wxr', t.refund, t.at)}" if t.is_refund else "0"
    return sale, txid, openid, rid


def wx_record(txns, t):
    """The row as a dict over every column any layout uses."""
    sale, txid, openid, rid = wx_ids(txns, t)
    applied = shift(t.at, -3)
    r = {
        "交易时间": applied if t.is_refund else t.at,   # refund rows: when the refund was applied for
        "公众账号ID": WX_APPID, "商户号": WX_MCHID, "特约商户号": "0", "子商户号": "0",
        "设备号": "POS-01" if sale.x["type"] == "MICROPAY" else "",
        "微信订单号": txid, "商户订单号": t.order, "用户标识": openid,
        "交易类型": sale.x["type"], "交易状态": "REFUND" if t.is_refund else "SUCCESS",
        "付款银行": sale.x["bank"], "货币种类": "CNY",
        "应结订单金额": "0.00" if t.is_refund else major(t.amount), "代金券金额": "0.00",
        "总金额": "0.00" if t.is_refund else major(t.amount), "代金券或立减优惠金额": "0.00",
        "退款申请时间": applied, "退款成功时间": t.at,
        "微信退款单号": rid, "商户退款单号": t.refund if t.is_refund else "0",
        "退款金额": major(t.amount) if t.is_refund else "0.00", "充值券退款金额": "0.00",
        "代金券或立减优惠退款金额": "0.00",
        "退款类型": "ORIGINAL" if t.is_refund else "", "退款状态": "SUCCESS" if t.is_refund else "",
        "商品名称": t.goods, "商户数据包": "", "手续费": fmt5(wx_fee5(t)), "费率": "0.60%",
        "订单金额": "0.00" if t.is_refund else major(t.amount),
        "申请退款金额": major(t.amount) if t.is_refund else "0.00", "费率备注": "",
    }
    return r


def wx_totals(rows):
    pays = [t for t in rows if not t.is_refund]
    refs = [t for t in rows if t.is_refund]
    return {
        "rows": len(rows), "pays": len(pays), "refunds": len(refs),
        "settle_sum": sum(t.amount for t in pays), "refund_sum": sum(t.amount for t in refs),
        "fee5": sum(wx_fee5(t) for t in rows), "fee_fen": sum(wx_fee_fen(t) for t in rows),
        "fee_fen_even": sum(round_half_even(wx_fee5(t), 1000) for t in rows),
        "order_sum": sum(t.amount for t in pays), "applied_sum": sum(t.amount for t in refs),
    }


def round_half_even(num, den):
    q, r = divmod(abs(num), den)
    if 2 * r > den or (2 * r == den and q % 2 == 1):
        q += 1
    return q if num >= 0 else -q


def wx_bill(txns, rows, columns, summary, bom=False, newline="\r\n"):
    tot = wx_totals(rows)
    lines = [",".join(columns)]
    for t in rows:
        rec = wx_record(txns, t)
        lines.append(",".join("`" + rec[c] for c in columns))
    lines.append(",".join(summary))
    if summary is WX_SUMMARY:
        vals = [str(tot["rows"]), major(tot["settle_sum"]), major(tot["refund_sum"]), "0.00",
                fmt5(tot["fee5"]), major(tot["order_sum"]), major(tot["applied_sum"])]
    else:
        vals = [str(tot["rows"]), major(tot["settle_sum"]), major(tot["refund_sum"]), "0.00", fmt5(tot["fee5"])]
    lines.append(",".join("`" + v for v in vals))
    text = newline.join(lines) + newline
    return ("\ufeff" if bom else "") + text, tot


def gz(data, mtime):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=mtime, compresslevel=9) as g:
        g.write(data)
    return buf.getvalue()


# gzip header time: 10:00 China time the next day, when the bill becomes available
WX_MTIME = {d: epoch(next_day(d) + " 10:00:00", 8) for d in (DAY1, DAY2)}


# ---------------------------------------------------------------- unionpay

UP_MERID = "777290058123456"
UP_ACQ = "00049992900"
ZM_WIDTHS = [3, 11, 11, 6, 10, 19, 12, 4, 2, 21, 2, 32, 2, 6, 10, 13, 13, 4, 15, 2, 2, 6, 2, 4, 32, 1, 21,
             15, 1, 15, 32, 13, 13, 8, 32, 13, 13, 12, 2, 1, 32, 98]
ZM_NAMES = ["交易代码", "代理机构标识码", "发送机构标识码", "系统跟踪号", "交易传输时间", "帐号", "交易金额",
            "商户类别", "终端类型", "查询流水号", "支付方式(旧)", "商户订单号", "支付卡类型", "原始交易系统跟踪号",
            "原始交易日期时间", "商户手续费", "结算金额", "支付方式", "集团商户代码", "交易类型", "交易子类",
            "业务类型", "帐号类型", "账单类型", "账单号码", "交互方式", "原交易查询流水号", "商户代码",
            "分账入账方式", "二级商户代码", "二级商户简称", "二级商户分账入账金额", "清算净额", "终端号",
            "商户自定义域", "优惠金额", "发票金额", "分期付款附加手续费", "分期期数", "交易介质", "原始交易订单号",
            "保留使用"]
ZME_WIDTHS = [3, 11, 11, 6, 10, 19, 12, 4, 2, 2, 6, 10, 4, 12, 13, 13, 15, 15, 1, 12, 2, 135]
assert len(ZM_WIDTHS) == len(ZM_NAMES) == 42
ZM_RECORD = sum(ZM_WIDTHS) + len(ZM_WIDTHS)       # each field + one separator byte: 608
UP_FEE_PER_MILLE = 6


def zm_offsets():
    offs, o = {}, 0
    for name, w in zip(ZM_NAMES, ZM_WIDTHS):
        offs[name] = (o, w)
        o += w + 1
    return offs


def fixed(values, widths, sep=b" "):
    """Fields cut and padded in GBK BYTES, each followed by one separator byte."""
    out = b""
    for v, w in zip(values, widths):
        b = v.encode("gbk") if isinstance(v, str) else v
        assert len(b) <= w, (v, w)
        out += b + b" " * (w - len(b)) + sep
    return out


def mask(pan):
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:]


def cd(sign, fen):
    return f"{sign}{fen:012d}"


def up_trace(t):
    return digits(6, "trace", t.order, t.refund, t.at)


def up_query_id(t):
    return ymd(t.at[:10])[2:] + t.at[11:13] + t.at[14:16] + t.at[17:19] + digits(9, "qid", t.order, t.refund)


def mmddhhmmss(ts):
    return ts[5:7] + ts[8:10] + ts[11:13] + ts[14:16] + ts[17:19]


def up_fee(t):
    return half_up(t.amount * UP_FEE_PER_MILLE, 1000)


def zm_record(txns, t):
    refund = t.is_refund
    sale = sale_of(txns, t) if refund else t
    fee = up_fee(t)
    # merchant's view: a purchase credits the settlement and debits the fee;
    # a refund debits the settlement and returns (credits) the fee.
    vals = {
        "交易代码": "S30" if refund else "S22",
        "代理机构标识码": UP_ACQ, "发送机构标识码": UP_ACQ,
        "系统跟踪号": up_trace(t),
        "交易传输时间": mmddhhmmss(t.at),
        "帐号": PAN[sale.x["pan"]],
        "交易金额": f"{t.amount:012d}",
        "商户类别": "5311", "终端类型": "07",
        "查询流水号": up_query_id(t),
        "支付方式(旧)": "",
        "商户订单号": t.refund if refund else t.order,
        "支付卡类型": "02" if len(PAN[sale.x["pan"]]) == 16 else "01",
        "原始交易系统跟踪号": up_trace(sale) if refund else "",
        "原始交易日期时间": mmddhhmmss(sale.at) if refund else "",
        "商户手续费": cd("C", fee) if refund else cd("D", fee),
        "结算金额": cd("D", t.amount) if refund else cd("C", t.amount),
        "支付方式": "0001", "集团商户代码": "",
        "交易类型": "04" if refund else "01", "交易子类": "00" if refund else "01",
        "业务类型": "000201", "帐号类型": "01", "账单类型": "", "账单号码": "", "交互方式": "0",
        "原交易查询流水号": up_query_id(sale) if refund else "",
        "商户代码": UP_MERID, "分账入账方式": "", "二级商户代码": "",
        "二级商户简称": "华东旗舰店",                              # GBK: 2 bytes a character
        "二级商户分账入账金额": "",
        "清算净额": cd("D", t.amount - fee) if refund else cd("C", t.amount - fee),
        "终端号": "",
        "商户自定义域": "退款" if refund else "线上商城订单",
        "优惠金额": "", "发票金额": "", "分期付款附加手续费": "", "分期期数": "", "交易介质": "",
        "原始交易订单号": sale.order if refund else "",
        "保留使用": "",
    }
    rec = fixed([vals[n] for n in ZM_NAMES], ZM_WIDTHS)
    assert len(rec) == ZM_RECORD
    return rec + b"\r\n"


def zme_records(day):
    """The ZME entry: other records (here one chargeback-style adjustment) the ZM
    decoder must not read. Field meanings unverified; widths from the SDK."""
    if day != DAY1:
        return b""
    vals = ["E74", UP_ACQ, UP_ACQ, "731905", "1121103000", luhn_complete("622202000000000123"),
            f"{5000:012d}", "5311", "07", "01", "000000", "1120183305", "4501", "000000000000",
            cd("D", 5000), cd("D", 0), UP_MERID, "", "0", "", "", "差错调整"]
    return fixed(vals, ZME_WIDTHS) + b"\r\n"


def unionpay_zip(day, rows, txns, short_record=None, only_zme=False):
    yymmdd = ymd(day)[2:]
    zm = b"".join(zm_record(txns, t) for t in rows)
    if short_record is not None:
        recs = zm.split(b"\r\n")
        recs[short_record] = recs[short_record][:300]
        zm = b"\r\n".join(recs)
    entries = [(f"INN{yymmdd}88ZME_{UP_MERID}", zme_records(day))]    # ZME first: pick by name
    if not only_zme:
        entries.append((f"INN{yymmdd}88ZM_{UP_MERID}", zm))
    # files are produced the night after the settlement day
    y, m, d = (int(v) for v in day.split("-"))
    return make_zip(entries, (y, m, d, 23, 58, 0))


# ------------------------------------------------------------------ square

SQ_COLUMNS = ["Date", "Time", "Time Zone", "Gross Sales", "Discounts", "Net Sales", "Tax", "Tip",
              "Partial Refunds", "Total Collected", "Source", "Card", "Fees", "Net Total", "Transaction ID",
              "Payment ID", "Card Brand", "PAN Suffix", "Device Name", "Details", "Description",
              "Event Type", "Location", "Customer Reference ID", "Deposit ID", "Deposit Date",
              "Fee Percentage Rate", "Fee Fixed Rate", "Transaction Status"]
SQ_TZ = "Pacific Time (US & Canada)"
SQ_RATES = {"pos": (26, 10), "web": (29, 30)}   # (per mille, fixed cents); Vancouver: 2.65 %


def sq_money(cents, sym):
    s = "-" if cents < 0 else ""
    a = abs(cents)
    return f"{s}{sym}{a // 100:,}.{a % 100:02d}"


def sq_fee(t):
    x = t.x
    if x.get("loc") == "ca":
        return half_up(t.amount * 265, 10000)
    pct, fixed_c = SQ_RATES[x.get("src", "pos")]
    return half_up(t.amount * pct, 1000) + fixed_c


def sq_row(txns, t, deposit):
    sale = sale_of(txns, t) if t.is_refund else t
    x = sale.x
    sym = "CA$" if x.get("loc") == "ca" else "$"
    m = lambda c: sq_money(c, sym)
    d = t.at
    date = f"{d[5:7]}/{d[8:10]}/{d[0:4]}"
    payment_id = ident(B62, 26, "sqpay", sale.order, sale.at, sale.case)
    txn_id = ident(B62, 26, "sqtx", t.order, t.refund, t.at, t.case)
    if t.is_refund:
        full = t.amount == sale.amount
        gross = -x.get("gross", sale.amount) if full else 0
        tax = -x.get("tax", 0) if full else 0
        partial = 0 if full else -t.amount
        disc, tip, fee = 0, 0, 0          # processing fees are not returned on refunds
        total = gross + tax + partial
        event, desc = "Refund", t.refund
    else:
        gross = x.get("gross", t.amount)
        disc = -x.get("discount", 0)
        tax, tip, partial = x.get("tax", 0), x.get("tip", 0), 0
        total = gross + disc + tax + tip
        fee = sq_fee(t)
        event, desc = "Payment", t.goods
    assert total == (-t.amount if t.is_refund else t.amount), t
    src = "eCommerce Integrations" if x.get("src") == "web" else "Point of Sale"
    if x.get("loc") == "ca":
        rate, fixed_rate, loc = "2.65", sq_money(0, sym), "Vancouver"
    else:
        pct, fixed_c = SQ_RATES[x.get("src", "pos")]
        rate, fixed_rate, loc = f"{pct / 10:.1f}", sq_money(fixed_c, sym), "Main Street"
    return [date, d[11:], SQ_TZ, m(gross), m(disc), m(gross + disc), m(tax), m(tip), m(partial), m(total),
            src, m(total), m(-fee), m(total - fee), txn_id, payment_id, x["brand"], x["last4"],
            "" if x.get("src") == "web" else "Front Counter iPad",
            f"https://app.squareup.com/dashboard/sales/transactions/{txn_id}", desc, event, loc,
            t.order, deposit[loc], "11/23/2026", rate, fixed_rate, "Complete"]


def square_csv(day, txns=SQUARE):
    rows = on_statement(txns, day)
    deposit = {"Main Street": ident(B62, 20, "dep-us", day), "Vancouver": ident(B62, 20, "dep-ca", day)}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(SQ_COLUMNS)
    for t in rows:
        w.writerow(sq_row(txns, t, deposit))
    return buf.getvalue(), rows


# ------------------------------------------------------------------- adyen

AD_COLUMNS = ["Company Account", "Merchant Account", "Psp Reference", "Merchant Reference", "Payment Method",
              "Creation Date", "TimeZone", "Type", "Modification Reference", "Gross Currency",
              "Gross Debit (GC)", "Gross Credit (GC)", "Exchange Rate", "Net Currency", "Net Debit (NC)",
              "Net Credit (NC)", "Commission (NC)", "Markup (NC)", "Scheme Fees (NC)", "Interchange (NC)",
              "Payment Method Variant", "Modification Merchant Reference", "Batch Number"] + \
             [f"Reserved{i}" for i in range(4, 11)]
AD_BATCH = {DAY1: 342, DAY2: 343}


def ad_psp(*parts):
    return ident(UPPER_ALNUM, 16, "psp", *parts)


def ad_fees(t):
    """(commission, markup, scheme fees, interchange) in cents."""
    if t.is_refund:
        return 11, 0, 0, 0
    return 11, half_up(t.amount * 6, 1000), 2, half_up(t.amount * 3, 1000)


def adyen_csv(day, txns=ADYEN):
    rows = on_statement(txns, day)
    out = [AD_COLUMNS]
    net_total = 0
    for t in rows:
        sale = sale_of(txns, t) if t.is_refund else t
        c = ad_fees(t)
        fees = sum(c)
        if t.is_refund:
            gd, gc, nd, nc = major(t.amount), "", major(t.amount + fees), ""
            net_total -= t.amount + fees
            typ, modref, modmref = "Refunded", ad_psp("refund", t.refund), t.refund
        else:
            gd, gc, nd, nc = "", major(t.amount), "", major(t.amount - fees)
            net_total += t.amount - fees
            typ, modref, modmref = "Settled", ad_psp("capture", t.order, t.at, t.case), ""
        out.append(["ExampleCompany", "ExampleShopEU", ad_psp("payment", sale.order, sale.at, sale.case),
                    t.order, sale.x["pm"], t.at, "CET", typ, modref, "EUR", gd, gc, "1", "EUR", nd, nc]
                   + [major(v) for v in c] + [sale.x["var"], modmref, str(AD_BATCH[day])] + [""] * 7)
    # the batch ends with the payout of its net to the bank account: not a transaction
    out.append(["ExampleCompany", "ExampleShopEU", "", "", "", f"{next_day(day)} 06:00:00",
                "CET", "MerchantPayout", f"TX{ident(UPPER_ALNUM, 14, 'payout', day)}", "", "", "", "",
                "EUR", major(net_total), "", "", "", "", "", "", "", str(AD_BATCH[day])] + [""] * 7)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(out)
    return buf.getvalue(), rows, net_total


# ------------------------------------------------------------ EXPECTED.md

CLASS = {
    "match": ("matched", ""), "dup": ("matched", ""), "refund_match": ("matched", ""),
    "no_ledger": ("LONG", "NO_LEDGER"), "dup_extra": ("LONG", "DUPLICATE"),
    "missing": ("MISSING", "STATUS"), "long_amount": ("LONG", "AMOUNT"),
    "short_amount": ("SHORT", "AMOUNT"), "refund_no_ledger": ("SHORT", "NO_LEDGER"),
}


def expected_cases(ch, txns, day):
    """Rows of (kind, order, refund, statement amount, ledger amount, class, reason, note) for day."""
    out = []
    for t in txns:
        sign = -1 if t.is_refund else 1
        samt = major(sign * t.amount)
        lamt = major(sign * t.lamount)
        kind = "REFUND" if t.is_refund else "PAY"
        d1 = t.at[:10] == day or (t.ledger_at or "")[:10] == day
        if t.case in CLASS and t.statement_day == day:
            cls, why = CLASS[t.case]
            led = "" if t.case in ("no_ledger", "dup_extra", "refund_no_ledger") else lamt
            if t.case == "missing":
                led += " PENDING"
            note = {"dup_extra": "second row for the order", "dup": "first row matches"}.get(t.case, "")
            out.append((kind, t.order, t.refund or "", samt, led, cls, why, note))
        elif t.case == "late" and t.statement_day == day:
            out.append((kind, t.order, "", samt, lamt, "matched", "", "ledger paid 23:59:58 the day before"))
        elif t.case == "late" and (t.ledger_at or "")[:10] == day:
            out.append((kind, t.order, "", "", lamt, "PENDING", "", "on the next day's statement"))
        elif t.case in ("no_statement", "refund_no_statement") and d1:
            out.append((kind, t.order, t.refund or "", "", lamt, "PENDING", "", "grace: 1 day"))
        elif t.case in ("no_statement", "refund_no_statement") and t.at[:10] == prev_day(day):
            cls = "SHORT" if t.case == "no_statement" else "LONG"
            out.append((kind, t.order, t.refund or "", "", lamt, cls, "NO_STATEMENT",
                        f"paid {t.at[:10]}, grace expired"))
        elif t.case == "closed" and d1:
            out.append((kind, t.order, "", "", lamt + " CLOSED", "none", "", "not paid: no discrepancy"))
    return out


def prev_day(day):
    return next_day(day, -1)


def md_table(rows):
    head = "| kind | order_code | refund_code | statement | ledger | class | reason | note |"
    lines = [head, "|---|---|---|---:|---:|---|---|---|"]
    for r in rows:
        lines.append("| " + " | ".join(r) + " |")
    return lines


def day_figures(ch, txns, day):
    rows = on_statement(txns, day)
    pays = [t for t in rows if not t.is_refund]
    refs = [t for t in rows if t.is_refund]
    cur = {}
    for t in rows:
        c = currency_of(ch, t)
        cur[c] = cur.get(c, 0) + (-t.amount if t.is_refund else t.amount)
    return rows, pays, refs, cur


def summary_lines(ch, txns, day, cases):
    rows, pays, refs, cur = day_figures(ch, txns, day)
    sums = ", ".join(f"{major(v)} {c}" for c, v in sorted(cur.items()))
    out = [f"- statement rows: {len(rows)} ({len(pays)} payments {major(sum(t.amount for t in pays))}, "
           f"{len(refs)} refunds {major(-sum(t.amount for t in refs))}); net {sums}"]
    counts = {}
    for r in cases:
        key = r[5] if not r[6] else f"{r[5]}/{r[6]}"
        counts[key] = counts.get(key, 0) + 1
    out.append("- expected: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    due = [r for r in ledger_rows(ch, txns) if r[6] == "SUCCESS" and r[8][:10] == day]
    dsum = {}
    for r in due:
        v = int(r[4].replace(".", ""))
        dsum[r[5]] = dsum.get(r[5], 0) + v
    out.append(f"- ledger items paid on {day} (due with cut-off 00:00): {len(due)}, "
               + (", ".join(f"{major(v)} {c}" for c, v in sorted(dsum.items())) or "0.00"))
    return out


def write_expected(info):
    L = ["# Sample statements: expected results",
         "",
         "Generated by `samples/gen/make_statements.py` (do not edit by hand; change the",
         "transaction lists there and re-run). Ledger side: `samples/ledger-channels.csv`.",
         "",
         "Assumptions for the classes below: every channel runs with `cutoff = 00:00` and",
         "`grace-days = 1`, time zones +08:00 (alipay, wechat, unionpay), America/Los_Angeles",
         "(square; -08:00 in November) and Europe/Amsterdam (adyen; CET, +01:00), and the two",
         "days are run in order (2026-11-21, then 2026-11-22). Amounts are in major units, signed",
         "from the merchant's cash view (refunds negative). `matched` rows are not discrepancies;",
         "`PENDING` ledger items wait in suspense; `none` means nothing is reported.",
         "",
         "Every order code is 22 digits, every refund code 24 digits: keep them as text.",
         "Computed fees are rounded to the minor unit half away from zero; WeChat's 手续费 is",
         "exact at 5 decimals in the file (see samples/gen/README.md). Check the files with",
         "`python3 samples/gen/check_statements.py`.",
         ""]
    for ch, blocks in info.items():
        L += [f"## {ch}", ""]
        for b in blocks:
            L += b
            L.append("")
    write(os.path.join(STMT, "EXPECTED.md"), ("\n".join(L)).encode())


# -------------------------------------------------------------------- main


def main():
    info = {}

    # ---- Ledger
    write_ledger()

    # ---- Alipay
    blocks = []
    for day, export_at, first in ((DAY1, "2026-11-22 05:46:49", False), (DAY2, "2026-11-23 05:51:12", True)):
        data, tot, rows = alipay_zip(day, export_at, summary_first=first)
        path = os.path.join(STMT, "alipay", f"{ALIPAY_PID}_{ymd(day)}.csv.zip")
        write(path, data)
        cases = expected_cases("alipay", ALIPAY, day)
        blocks.append([f"### {day}: `{rel(path)}`", "",
                       f"Entries (GBK names, no UTF-8 flag): `{ALIPAY_PID}_{ymd(day)}_业务明细.csv`, "
                       f"`{ALIPAY_PID}_{ymd(day)}_业务明细(汇总).csv`"
                       + (" (the summary is the FIRST entry in this zip)" if first else "") + ".", "",
                       "Control totals (footer, must equal the decoded rows):",
                       f"- `#交易合计：{tot['sales']}笔，商家实收共{major(tot['sales_sum'])}元，商家优惠共0.00元`",
                       f"- `#退款合计：{tot['refunds']}笔，商家实收退款共{major(tot['refunds_sum'])}元，商家优惠退款共0.00元`",
                       f"- 服务费 (fee) total {major(tot['fee'])} (sales -0.6 % each, refunds +0.6 % returned, "
                       "each rounded half up to the fen); summary 实收净额 "
                       f"{major(tot['sales_sum'] + tot['refunds_sum'] + tot['fee'])}",
                       ""] + summary_lines("alipay", ALIPAY, day, cases) + [""] + md_table(cases))
    info["alipay"] = blocks

    # ---- WeChat
    blocks = []
    for day in (DAY1, DAY2):
        rows = on_statement(WECHAT, day)
        text, tot = wx_bill(WECHAT, rows, WX_ALL, WX_SUMMARY)
        path = os.path.join(STMT, "wechat", f"{ymd(day)}.csv.gz")
        write(path, gz(text.encode("utf-8"), WX_MTIME[day]))
        cases = expected_cases("wechat", WECHAT, day)
        blocks.append([f"### {day}: `{rel(path)}` (bill_type=ALL, gzip, UTF-8, 27 columns)", "",
                       "Control totals (summary row):",
                       f"- 总交易单数 {tot['rows']} ({tot['pays']} SUCCESS + {tot['refunds']} REFUND), "
                       f"应结订单总金额 {major(tot['settle_sum'])}, 退款总金额 {major(tot['refund_sum'])}, "
                       f"充值券退款总金额 0.00, 手续费总金额 {fmt5(tot['fee5'])}, 订单总金额 {major(tot['order_sum'])}, "
                       f"申请退款总金额 {major(tot['applied_sum'])}",
                       f"- fee rounded per row to the fen, half away from zero: total {major(tot['fee_fen'])} "
                       f"(half to even would give {major(tot['fee_fen_even'])}; the exact total is "
                       f"{fmt5(tot['fee5'])})",
                       ""] + summary_lines("wechat", WECHAT, day, cases) + [""] + md_table(cases))
        if day == DAY1:
            lay = os.path.join(STMT, "wechat", "layouts")
            succ = [t for t in rows if not t.is_refund]
            refs = [t for t in rows if t.is_refund]
            s_text, s_tot = wx_bill(WECHAT, succ, WX_SUCCESS, WX_SUMMARY, bom=True)
            r_text, r_tot = wx_bill(WECHAT, refs, WX_REFUND, WX_SUMMARY)
            o_text, o_tot = wx_bill(WECHAT, rows, WX_OLD, WX_OLD_SUMMARY)
            write(os.path.join(lay, "20261121-success-20col.csv"), s_text.encode("utf-8"))
            write(os.path.join(lay, "20261121-refund-29col.csv"), r_text.encode("utf-8"))
            write(os.path.join(lay, "20261121-all-old-24col.csv"), o_text.encode("utf-8"))
            blocks.append(["### Other layouts of the same 2026-11-21 rows: `samples/statements/wechat/layouts/`", "",
                           "Plain (not gzipped) UTF-8. Decoding SUCCESS plus REFUND, or the old layout, gives the",
                           "same canonical records as the ALL bill above.", "",
                           f"- `20261121-success-20col.csv`: bill_type=SUCCESS, 20 columns, WITH a UTF-8 BOM; "
                           f"{s_tot['rows']} rows; summary 总交易单数 {s_tot['rows']}, 应结订单总金额 "
                           f"{major(s_tot['settle_sum'])}, 手续费总金额 {fmt5(s_tot['fee5'])}",
                           f"- `20261121-refund-29col.csv`: bill_type=REFUND, 29 columns (退款申请时间, 退款成功时间 "
                           f"after 代金券金额); {r_tot['rows']} rows; summary 退款总金额 {major(r_tot['refund_sum'])}, "
                           f"手续费总金额 {fmt5(r_tot['fee5'])}",
                           f"- `20261121-all-old-24col.csv`: the pre-2017 ALL layout (子商户号, 总金额, "
                           f"代金券或立减优惠金额, ...), summary 总交易单数,总交易额,总退款金额,总代金券或立减优惠退款金额,"
                           f"手续费总金额 = {o_tot['rows']}, {major(o_tot['settle_sum'])}, {major(o_tot['refund_sum'])}, "
                           f"0.00, {fmt5(o_tot['fee5'])}"])
    info["wechat"] = blocks

    # ---- UnionPay
    blocks = []
    for day in (DAY1, DAY2, NEWYEAR):
        txns = UNIONPAY if day != NEWYEAR else UNIONPAY_NEWYEAR
        rows = on_statement(txns, day) if day != NEWYEAR else sorted(txns, key=lambda t: t.at)
        path = os.path.join(STMT, "unionpay", f"{UP_MERID}_{ymd(day)}.zip")
        write(path, unionpay_zip(day, rows, txns))
        pays = [t for t in rows if not t.is_refund]
        refs = [t for t in rows if t.is_refund]
        fee = sum(-up_fee(t) if not t.is_refund else up_fee(t) for t in rows)
        head = [f"### {day}: `{rel(path)}`", "",
                f"Entries: `INN{ymd(day)[2:]}88ZME_{UP_MERID}` (first; {'1 record' if day == DAY1 else 'empty'}, "
                f"not to be decoded), `INN{ymd(day)[2:]}88ZM_{UP_MERID}` ({len(rows)} records of "
                f"{ZM_RECORD} bytes + CRLF, GBK).", "",
                f"- S22 purchases {len(pays)}, 交易金额 {major(sum(t.amount for t in pays))}; S30 refunds "
                f"{len(refs)}, 交易金额 {major(sum(t.amount for t in refs))}; 商户手续费 net {major(fee)} "
                "(D on purchases, C returned on refunds; 0.6 % half up)"]
        if day == NEWYEAR:
            head += ["- new-year wrap: 交易传输时间 `1231233012` is 2026-12-31 23:30:12 +08:00, "
                     "`0101100540` is 2027-01-01 10:05:40 +08:00; both orders are paid in the ledger "
                     "(the 12-31 one is due on 2026-12-31 with cut-off 00:00, matched from this bill).", ""]
            for t in rows:
                head.append(f"- {t.order} {major(t.amount)} at {t.at}: matched")
            blocks.append(head)
            continue
        cases = expected_cases("unionpay", UNIONPAY, day)
        blocks.append(head + summary_lines("unionpay", UNIONPAY, day, cases) + [""] + md_table(cases))
    offs = zm_offsets()
    blocks.append(["### ZM byte offsets (0-based, each field followed by one space)", "",
                   ", ".join(f"{n}@{o}({w})" for n, (o, w) in offs.items()),
                   "",
                   "帐号 holds full PANs (Luhn-valid test numbers): "
                   + ", ".join(f"`{v}`" for v in PAN.values())
                   + ". They must never reach output unmasked (first 6 and last 4 at most, e.g. `"
                   + mask(PAN["icbc"]) + "`)."])
    info["unionpay"] = blocks

    # ---- Square
    blocks = []
    for day in (DAY1, DAY2):
        text, rows = square_csv(day)
        path = os.path.join(STMT, "square", f"transactions-{day}.csv")
        write(path, text.encode("utf-8"))
        cases = expected_cases("square", SQUARE, day)
        fee = sum(-sq_fee(t) for t in rows if not t.is_refund)
        blocks.append([f"### {day}: `{rel(path)}`", "",
                       f"- Fees total {major(fee)} (USD and CAD rows together; in-person 2.6 % + $0.10, "
                       "eCommerce 2.9 % + $0.30, Vancouver 2.65 %; half up; not returned on refunds)",
                       ""] + summary_lines("square", SQUARE, day, cases) + [""] + md_table(cases))
    info["square"] = blocks

    # ---- Adyen
    blocks = []
    for day in (DAY1, DAY2):
        text, rows, net = adyen_csv(day)
        path = os.path.join(STMT, "adyen", f"settlement_detail_report_{ymd(day)}.csv")
        write(path, text.encode("utf-8"))
        cases = expected_cases("adyen", ADYEN, day)
        blocks.append([f"### {day}: `{rel(path)}` (batch {AD_BATCH[day]})", "",
                       f"- the last row is Type `MerchantPayout` (Net Debit {major(net)} EUR = the batch's net): "
                       "not a transaction, skip it",
                       ""] + summary_lines("adyen", ADYEN, day, cases) + [""] + md_table(cases))
    info["adyen"] = blocks

    write_expected(info)
    write_bad()


# --------------------------------------------------------------- bad input


def write_bad():
    notes = []

    def bad(name, data, what):
        write(os.path.join(BAD, name), data)
        notes.append(f"- `{name}`: {what}")

    wx_gz = open(os.path.join(STMT, "wechat", "20261121.csv.gz"), "rb").read()
    bad("wechat-truncated.csv.gz", wx_gz[: len(wx_gz) // 2],
        f"`samples/statements/wechat/20261121.csv.gz` cut after {len(wx_gz) // 2} of its {len(wx_gz)} "
        "bytes: the gzip stream ends early (no trailer). Expect an error naming the file, exit 3, "
        "and no records.")

    ali = bytearray(open(os.path.join(STMT, "alipay", f"{ALIPAY_PID}_20261121.csv.zip"), "rb").read())
    name_len = struct.unpack_from("<H", ali, 26)[0]
    extra_len = struct.unpack_from("<H", ali, 28)[0]
    start = 30 + name_len + extra_len
    csize = struct.unpack_from("<I", ali, 18)[0]
    mid = start + csize // 2
    for i in range(mid, mid + 24):
        ali[i] ^= 0x5A
    bad("alipay-corrupt.zip", bytes(ali),
        f"the 2026-11-21 Alipay zip with 24 bytes of the detail entry's deflate data (from byte {mid}) "
        "scrambled: headers intact, the data fails to inflate or its CRC-32 does not match. Expect an error, exit 3.")

    data, _, _ = alipay_zip(DAY1, "2026-11-22 05:46:49", only_summary=True)
    bad("alipay-no-detail-entry.zip", data,
        "an Alipay zip holding only `..._业务明细(汇总).csv` (the summary): no entry matches the "
        "detail pattern, which must not match the summary's name. Expect an error, exit 3.")

    data = unionpay_zip(DAY1, on_statement(UNIONPAY, DAY1), UNIONPAY, only_zme=True)
    bad("unionpay-no-zm-entry.zip", data,
        f"a UnionPay zip holding only `INN26112188ZME_{UP_MERID}`: no `ZM_` entry (ZME_ must not "
        "match). Expect an error, exit 3.")

    rows = on_statement(ALIPAY, DAY1)
    dropped = next(t for t in rows if t.order.endswith("0000000000003"))
    detail, summary, tot_all, _ = alipay_files(DAY1, "2026-11-22 05:46:49")
    detail_bad, _, tot_bad, _ = alipay_files(DAY1, "2026-11-22 05:46:49", drop_row=dropped)
    # keep the real footer: the file lost a row, its totals did not
    foot_real = detail.split("\r\n")[-5:]
    lines = detail_bad.split("\r\n")[:-5] + foot_real
    detail_bad = "\r\n".join(lines)
    base = f"{ALIPAY_PID}_20261121"
    bad("alipay-bad-total.csv.zip",
        make_zip([(f"{base}_业务明细.csv", detail_bad.encode("gbk")),
                  (f"{base}_业务明细(汇总).csv", summary.encode("gbk"))], (2026, 11, 22, 5, 46, 49), gbk_names=True),
        f"the 2026-11-21 Alipay zip with the detail row of order {dropped.order} ({major(dropped.amount)}) "
        f"removed but the footer kept: declared `交易合计：{tot_all['sales']}笔，商家实收共"
        f"{major(tot_all['sales_sum'])}元`, computed {tot_bad['sales']} rows, {major(tot_bad['sales_sum'])}. "
        "Expect a control-total error naming both figures, exit 3; never reconciled.")

    text, _ = wx_bill(WECHAT, on_statement(WECHAT, DAY1), WX_ALL, WX_SUMMARY)
    bad("wechat-gbk.csv", text.encode("gbk"),
        "the 2026-11-21 WeChat ALL bill encoded in GBK instead of UTF-8 (plain file): the header's "
        "bytes are not valid UTF-8 (first bad byte at offset 0). Expect an encoding error naming the "
        "file and offset, exit 3.")

    data = unionpay_zip(DAY1, on_statement(UNIONPAY, DAY1), UNIONPAY, short_record=2)
    bad("unionpay-short-record.zip", data,
        f"the 2026-11-21 UnionPay zip whose 3rd ZM record is cut to 300 bytes (records are {ZM_RECORD} "
        "bytes + CRLF). Expect a reject or error for line 3 naming the length, exit 3.")

    ff = ["记账时间", "微信支付业务单号", "资金流水单号", "业务名称", "业务类型", "收支类型", "收支金额（元）",
          "账户结余（元）", "资金变更提交申请人", "备注", "业务凭证号"]
    rows = [["2026-11-21 08:40:12", "4200002311202611210000000001", "1900000109202611210000000001",
             "交易", "交易", "收入", "57.50", "57.50", "system", "", "20261121200000000000001"],
            ["2026-11-21 08:40:12", "4200002311202611210000000001", "1900000109202611210000000002",
             "扣除交易手续费", "扣除交易手续费", "支出", "0.35", "57.15", "system", "", ""]]
    lines = [",".join(ff)] + [",".join("`" + v for v in r) for r in rows]
    lines += ["资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额", "`2,`1,`57.50,`1,`0.35"]
    bad("wechat-unknown-layout.csv", ("\r\n".join(lines) + "\r\n").encode("utf-8"),
        "a WeChat fund-flow bill (资金账单: 记账时间, 微信支付业务单号, ...) given to the trade-bill "
        "format: none of its header names is a known trade-bill column. Expect an unknown-layout "
        "error listing the header, exit 3.")

    readme = ["# Bad inputs", "",
              "Generated by `samples/gen/make_statements.py` from the good samples in",
              "`samples/statements/`. Each file must be refused by `recon decode` (and by `recon run` for",
              "that channel): an error naming the file, exit status 3, nothing reconciled from it.",
              "Formats: alipay-trade for `alipay-*`, wechat-trade for `wechat-*`, unionpay-zm for",
              "`unionpay-*`.", ""] + notes + [""]
    write(os.path.join(BAD, "README.md"), "\n".join(readme).encode())


if __name__ == "__main__":
    main()
