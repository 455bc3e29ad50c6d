#!/bin/sh
# Benchmarks: `make bench`, never `make check`.
#
#   sh bench/run.sh [SECTION...]      sections: import run decode decode_zip
#                                     (default: all)
#
# Inputs are generated deterministically into bench/work/ (git-ignored) and
# kept between runs; each section prints a small table of wall time, rows
# per second and the peak resident memory of the recon process measured.
#
# Environment: RECON (the binary; default ./recon), BENCH_ROWS (default
# 1000000), BENCH_SEED, BENCH_REPEAT (runs per step, default 3; the best
# is shown), BENCH_RUN_ROWS (statement rows per day for the run section,
# default "1000000 10000000"), BENCH_DECODE_ROWS (rows per statement for
# the decode section, default BENCH_ROWS).
#
# A section is a function bench_NAME that calls `measure LABEL ROWS CMD...`
# for each step (as often as it likes), then `table TITLE`; add one and
# list it in SECTIONS.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
recon=${RECON:-$root/recon}
work=$root/bench/work
rows=${BENCH_ROWS:-1000000}
seed=${BENCH_SEED:-20261121}
repeat=${BENCH_REPEAT:-3}
results=$work/results
SECTIONS="import run decode decode_zip"

export RECON_FORMAT_PATH="$root/formats" RECON_RULES_PATH="$root/rules" TZ=UTC LC_ALL=C
unset RECON_CONFIG

[ -x "$recon" ] || { echo "bench: $recon: not built (make recon)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench: python3 is needed" >&2; exit 2; }
mkdir -p "$work"
: >"$results"

# measure LABEL ROWS CMD...: run CMD (output to $work/LABEL.out/.err), stop
# loudly if it fails, and note wall time and peak RSS in $results. Peak RSS
# is the child's ru_maxrss from wait4(), so neither the shell nor python is
# counted.
measure() {
	label=$1 n=$2; shift 2
	python3 - "$label" "$n" "$work/$label" "$results" "$@" <<'PY'
import os, sys, time
label, n, out, results, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    fo = os.open(out + ".out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    fe = os.open(out + ".err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fo, 1)
    os.dup2(fe, 2)
    try:
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.monotonic() - t0
code = os.waitstatus_to_exitcode(status)
if code != 0:
    sys.stderr.write("bench: %s: exit status %d; see %s.err:\n" % (label, code, out))
    sys.stderr.write(open(out + ".err").read()[-2000:])
    sys.exit(1)
with open(results, "a") as f:
    f.write("%s %d %.6f %d\n" % (label, n, wall, ru.ru_maxrss))
PY
}

# table TITLE: one row per label measured since the last table, in the
# order first measured: the best (least) wall time of its runs, the rows
# per second of that run and its peak RSS. The best run is the one least
# disturbed by whatever else the machine was doing.
table() {
	python3 - "$1" "$results" <<'PY'
import sys
title, results = sys.argv[1], sys.argv[2]
best, order, count = {}, [], {}
for line in open(results):
    label, n, wall, rss = line.split()
    n, wall, rss = int(n), float(wall), int(rss)
    if label not in best:
        order.append(label)
    count[label] = count.get(label, 0) + 1
    if label not in best or wall < best[label][1]:
        best[label] = (n, wall, rss)
print()
print("== " + title)
print("%-20s %8s %5s %9s %10s %9s" % ("step", "rows", "runs", "best s", "rows/s", "RSS MiB"))
for label in order:
    n, wall, rss = best[label]
    print("%-20s %8s %5d %9.2f %10s %9.1f" % (label, n or "-", count[label], wall,
          "%d" % (n / wall) if n else "-", rss / 1024))
PY
	: >"$results"
}

# gen FILE ARGS...: make a ledger CSV with gen_ledger.py unless it is there.
gen() {
	f=$1; shift
	[ -f "$f" ] && return
	echo "bench: generating $f"
	python3 "$root/bench/gen_ledger.py" "$@" "$f.tmp"
	mv "$f.tmp" "$f"
}

# The ledger: recon init, then ledger import of a month of orders into the
# empty database (the bulk path), the same file again (every row unchanged:
# the update path), then the next month into the full ledger (inserts into
# a ledger that already has rows). Each sequence runs $repeat times on a
# fresh workspace.
bench_import() {
	csv=$work/ledger-$rows-$seed.csv
	csv2=$work/ledger-$rows-$seed-next.csv
	gen "$csv" --rows "$rows" --seed "$seed"
	gen "$csv2" --rows "$rows" --seed "$((seed + 1))" --month 2026-12
	ws=$work/ws
	i=0
	while [ $i -lt "$repeat" ]; do
		rm -rf "$ws"
		measure init 0 "$recon" -q init "$ws"
		measure import-fresh "$rows" "$recon" --config "$ws/recon.conf" ledger import "$csv"
		measure import-again "$rows" "$recon" --config "$ws/recon.conf" ledger import "$csv"
		measure import-next-month "$rows" "$recon" --config "$ws/recon.conf" ledger import "$csv2"
		i=$((i + 1))
	done
	table "ledger import: $rows rows ($(du -m "$csv" | cut -f1) MB of CSV) per import"
	echo "database after two months: $(du -m "$ws/recon.db" | cut -f1) MB"
	for s in import-fresh import-again import-next-month; do
		printf '%s: %s\n' "$s" "$(cat "$work/$s.out")"
	done
}

# recon run: one channel's day (bench/gen_day.py) of N statement rows
# against a ledger holding that day's N items, for each N in
# BENCH_RUN_ROWS. The ledger is imported once per N (not timed here); the
# first run records the day, the next ones replace it (a re-run), so the
# best of them is a steady-state figure. Exit status 1 (the day has some
# discrepancies, as real days do) counts as success.
bench_run() {
	for n in ${BENCH_RUN_ROWS:-1000000 10000000}; do
		day=$work/day-$n-$seed
		if [ ! -f "$day/done" ]; then
			echo "bench: generating $day"
			rm -rf "$day"
			python3 "$root/bench/gen_day.py" --rows "$n" --seed "$seed" "$day"
			: >"$day/done"
		fi
		ws=$work/run-ws
		rm -rf "$ws"
		mkdir -p "$ws"
		cp "$day/recon.conf" "$ws/"
		ln -s "$day/statements" "$ws/statements"
		"$recon" -q --config "$ws/recon.conf" ledger import "$day/ledger.csv"
		i=0
		while [ $i -lt "$repeat" ]; do
			measure "run-$n" "$n" sh -c '"$@"; [ $? -le 1 ]' sh \
				"$recon" --config "$ws/recon.conf" run --date 2026-11-21
			i=$((i + 1))
		done
		printf '%s: %s\n' "run-$n" "$(cat "$work/run-$n.out")"
		echo "run-$n: statement $(du -m "$day/statements/wechat/2026-11-21.csv" | cut -f1) MB," \
			"database $(du -m "$ws/recon.db" | cut -f1) MB"
		rm -rf "$ws"
	done
	table "recon run: one channel's day, N statement rows against a ledger of N items"
}

# Decoding statements in the channels' own formats with recon decode, every
# record printed as canonical CSV: a WeChat Pay ALL bill, gzipped (its
# backticks, 5-decimal fees and summary totals checked), and a Square
# export (currency marks, dates in a named zone with daylight saving).
# MB/s counts the text decoded (the WeChat bill uncompressed).
bench_decode() {
	n=${BENCH_DECODE_ROWS:-$rows}
	for k in wechat square; do
		f=$work/decode-$k-$n-$seed.csv
		gz=
		if [ $k = wechat ]; then f=$f.gz; gz=--gzip; fi
		if [ ! -f "$f" ]; then
			echo "bench: generating $f"
			python3 "$root/bench/gen_statements.py" --kind $k --rows "$n" --seed "$seed" \
				$gz "$f.tmp"
			mv "$f.tmp" "$f"
		fi
		if [ $k = wechat ]; then
			fmt=wechat-trade bytes=$(gzip -dc "$f" | wc -c)
		else
			fmt=square-transactions bytes=$(wc -c <"$f")
		fi
		echo "decode-$k $bytes $(wc -c <"$f")" >>"$work/decode-sizes"
		i=0
		while [ $i -lt "$repeat" ]; do
			measure "decode-$k" "$n" "$recon" decode --format $fmt "$f"
			i=$((i + 1))
		done
		sed "s|^|decode-$k: |" "$work/decode-$k.err"
	done
	python3 - "$results" "$work/decode-sizes" <<'PY'
import sys
best, size = {}, {}
for line in open(sys.argv[2]):
    label, text, file = line.split()
    size[label] = (int(text), int(file))
for line in open(sys.argv[1]):
    label, n, wall, rss = line.split()
    if label not in best or float(wall) < best[label][1]:
        best[label] = (int(n), float(wall))
for label, (n, wall) in best.items():
    text, file = size[label]
    print("%s: %.1f MB of text (%.1f MB file) in %.2f s: %.1f MB/s, %d rows/s"
          % (label, text / 1e6, file / 1e6, wall, text / 1e6 / wall, n / wall))
PY
	rm -f "$work/decode-sizes"
	table "recon decode: $n rows per statement, canonical CSV out"
}

# recon decode of the zipped GBK statements: an Alipay trade bill (CSV) and
# a UnionPay ZM file (fixed-width records of 608 bytes), BENCH_DECODE_ROWS
# rows each (bench/gen_zip_statements.py). MB/s counts the uncompressed
# bytes of the entry decoded, as the file has them (GBK).
bench_decode_zip() {
	n=${BENCH_DECODE_ROWS:-$rows}
	for k in alipay unionpay; do
		f=$work/decode-$k-$n-$seed.zip
		if [ ! -f "$f" ]; then
			echo "bench: generating $f"
			python3 "$root/bench/gen_zip_statements.py" --kind $k --rows "$n" \
				--seed "$seed" "$f.tmp"
			mv "$f.tmp" "$f"
		fi
		if [ $k = alipay ]; then
			set -- --format alipay-trade
		else
			set -- --format unionpay-zm --date 2026-11-21
		fi
		bytes=$(python3 -c 'import sys, zipfile
print(max(i.file_size for i in zipfile.ZipFile(sys.argv[1]).infolist()))' "$f")
		echo "decode-$k $bytes $(wc -c <"$f")" >>"$work/decode-sizes"
		i=0
		while [ $i -lt "$repeat" ]; do
			measure "decode-$k" "$n" "$recon" decode "$@" "$f"
			i=$((i + 1))
		done
		sed "s|^|decode-$k: |" "$work/decode-$k.err"
	done
	python3 - "$results" "$work/decode-sizes" <<'PY'
import sys
best, size = {}, {}
for line in open(sys.argv[2]):
    label, text, file = line.split()
    size[label] = (int(text), int(file))
for line in open(sys.argv[1]):
    label, n, wall, rss = line.split()
    if label not in best or float(wall) < best[label][1]:
        best[label] = (int(n), float(wall))
for label, (n, wall) in best.items():
    text, file = size[label]
    print("%s: %.1f MB of GBK text (%.1f MB zip) in %.2f s: %.1f MB/s, %d rows/s"
          % (label, text / 1e6, file / 1e6, wall, text / 1e6 / wall, n / wall))
PY
	rm -f "$work/decode-sizes"
	table "recon decode, zipped GBK: $n rows per statement, canonical CSV out"
}

[ $# -gt 0 ] || set -- $SECTIONS
for s in "$@"; do
	case " $SECTIONS " in
	*" $s "*) "bench_$s" ;;
	*) echo "bench: $s: no such section (sections: $SECTIONS)" >&2; exit 2 ;;
	esac
done
