#!/bin/sh
# Regenerate the container fixtures for tests/unit/test_input.c.
# Needs python3 only (zlib, zipfile, tarfile); the output is committed, so
# the tests need no tools. Everything is deterministic (fixed times, no
# names in gzip headers): rerunning gives the same bytes.
set -eu
cd "$(dirname "$0")"
exec python3 - <<'PY'
import gzip, io, tarfile, zipfile, zlib

DT = (2026, 10, 1, 0, 0, 0)

def gz(data, level=9):
    return gzip.compress(data, compresslevel=level, mtime=0)

def put(name, data):
    with open(name, "wb") as f:
        f.write(data)

# The statement: CRLF lines, UTF-8 text, a GBK byte run, enough rows that
# the deflate stream is several KiB and a cut lands inside it.
rows = [b"trade_no,amount,merchant,memo\r\n"]
for i in range(400):
    rows.append(b"T%08d,%d.%02d,m%03d,\xe6\x94\xaf\xe4\xbb\x98 %d \xd6\xa7\xb8\xb6\r\n"
                % (i * 7919 % 100000000, i * 37 % 5000, i % 100, i % 17, i * i))
stmt = b"".join(rows)
put("stmt.csv", stmt)
put("empty", b"")

put("stmt.csv.gz", gz(stmt))
half = len(stmt) // 2
put("concat.gz", gz(stmt[:half]) + gz(stmt[half:], 1))
put("zeropad.gz", gz(stmt) + bytes(1024))
put("garbage.gz", gz(stmt) + b"not gzip\n")
whole = gz(stmt)
put("truncated.gz", whole[: len(whole) // 2])
put("truncated-trailer.gz", whole[:-3])
bad = bytearray(whole)
bad[-8] ^= 0xff                       # CRC32 in the trailer
put("badcrc.gz", bytes(bad))
put("empty.gz", gz(b""))
# 4 MiB of zeros squeeze to about 4 KiB: a bomb for small limits.
zeros = bytes(4 << 20)
put("bomb.gz", gz(zeros))

def zinfo(name, raw=None, dir=False):
    class Raw(zipfile.ZipInfo):
        def _encodeFilenameFlags(self):
            return self.raw, self.flag_bits
    zi = Raw(raw.decode("latin-1"), DT) if raw is not None else zipfile.ZipInfo(name, DT)
    if raw is not None:
        zi.raw = raw
    zi.compress_type = zipfile.ZIP_STORED if dir else zipfile.ZIP_DEFLATED
    zi.external_attr = (0o40755 << 16) | 0x10 if dir else 0o100644 << 16
    zi.create_system = 3
    return zi

def mkzip(entries):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        for zi, data in entries:
            z.writestr(zi, data)
    return b.getvalue()

put("stmt.zip", mkzip([(zinfo("stmt.csv"), stmt)]))
put("multi.zip", mkzip([
    (zinfo("docs/", dir=True), b""),
    (zinfo("docs/readme.txt"), b"read me\n"),
    (zinfo("a.csv"), b"a,1\n"),
    (zinfo("b.csv"), stmt),
]))
# Alipay and UnionPay write GBK names without the UTF-8 flag (bit 11).
gbkname = "支付宝账单20261001.csv".encode("gbk")
put("gbk.zip", mkzip([
    (zinfo("x", raw="说明.txt".encode("gbk")), b"notes\n"),
    (zinfo("x", raw=gbkname), stmt),
]))
put("utf8.zip", mkzip([(zinfo("账单.csv"), stmt)]))
put("dironly.zip", mkzip([(zinfo("only/", dir=True), b"")]))
put("empty.zip", mkzip([]))
put("bomb.zip", mkzip([(zinfo("zeros.csv"), zeros)]))
z = mkzip([(zinfo("stmt.csv"), stmt)])
put("truncated.zip", z[: len(z) // 2])
# Flip bytes in the middle of the deflate data of the one entry.
bad = bytearray(z)
for k in range(200, 216):
    bad[k] ^= 0x55
put("corrupt.zip", bytes(bad))
# Set the "encrypted" bit (general purpose flag bit 0) in the local and
# the central header: what a password-protected export looks like.
bad = bytearray(z)
bad[6] |= 1
cd = z.rindex(b"PK\x01\x02")
bad[cd + 8] |= 1
put("encrypted.zip", bytes(bad))

def mktar(entries, fmt=tarfile.USTAR_FORMAT):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=fmt) as t:
        for name, data in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime = 1790812800
            if data is None:
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                t.addfile(ti)
            else:
                ti.size = len(data)
                ti.mode = 0o644
                t.addfile(ti, io.BytesIO(data))
    return b.getvalue()

tar = mktar([("dir", None), ("dir/notes.txt", b"notes\n"), ("dir/stmt.csv", stmt)])
put("stmt.tar", tar)
put("stmt.tar.gz", gz(tar))
put("pax.tar", mktar([("账单.csv", stmt)], tarfile.PAX_FORMAT))
PY
