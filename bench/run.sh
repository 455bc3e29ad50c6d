#!/bin/sh
# Benchmarks: `make bench`, never `make check`.
#
#   sh bench/run.sh [SECTION...]      sections: import run history decode
#                                     decode_zip (default: all)
#
# Inputs are generated deterministically into bench/work/ (git-ignored) and
# kept between runs; each section prints a small table of wall time, rows
# per second and the peak resident memory of the recon process measured.
#
# Environment: RECON (the binary; default ./recon), BENCH_ROWS (default
# 1000000), BENCH_SEED, BENCH_REPEAT (runs per step, default 3; the best
# is shown), BENCH_RUN_ROWS (statement rows per day for the run section,
# default "1000000 10000000"), BENCH_RUN_FORMATS ("canonical wechat"),
# BENCH_HISTORY_DAYS (90) and BENCH_HISTORY_ROWS (100000 items a day) of
# ledger history, BENCH_HISTORY_RUN_ROWS (the history section's day,
# 1000000), BENCH_DECODE_ROWS (rows per statement for the decode section,
# default BENCH_ROWS).
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
SECTIONS="import run history decode decode_zip"

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

# day N HDAYS FMT: the directory of gen_day.py's day of N statement rows
# with HDAYS history days in format FMT (canonical or wechat), made unless
# there. A wechat day has no ledger of its own: it is the canonical one's.
day() {
	d=$work/day-$1-h$2-$seed-$3
	if [ ! -f "$d/done" ]; then
		echo "bench: generating $d" >&2
		rm -rf "$d"
		fmt=$3
		set -- --rows "$1" --seed "$seed" --history-days "$2" \
			--history-rows "${BENCH_HISTORY_ROWS:-100000}"
		if [ "$fmt" = wechat ]; then
			python3 "$root/bench/gen_day.py" "$@" --wechat --no-ledger "$d" >&2
		else
			python3 "$root/bench/gen_day.py" "$@" "$d" >&2
		fi
		: >"$d/done"
	fi
	echo "$d"
}

# DuckDB for the side-by-side figure: @duckdb/node-api installed into
# bench/node_modules (git-ignored) on first use. Prints nothing and
# returns 1 when node or the package cannot be had.
duckdb_ready() {
	command -v node >/dev/null || return 1
	[ -d "$root/bench/node_modules/@duckdb/node-api" ] && return 0
	echo "bench: installing @duckdb/node-api into bench/node_modules" >&2
	(cd "$root/bench" && npm install --no-audit --no-fund --loglevel=error >&2) || return 1
	[ -d "$root/bench/node_modules/@duckdb/node-api" ]
}

# check NAME DISCREPANCIES.csv EXPECTED.csv: the same discrepancies (class,
# reason, order and refund code) as the generator injected, or stop.
check() {
	python3 - "$@" <<'PY'
import csv, sys
name, got, want = sys.argv[1:]
key = lambda r: (r["class"], r["reason"], r["order_code"], r["refund_code"])
g = sorted(key(r) for r in csv.DictReader(open(got)))
w = sorted(key(r) for r in csv.DictReader(open(want)))
if g != w:
    extra = [x for x in g if x not in set(w)][:5]
    lost = [x for x in w if x not in set(g)][:5]
    sys.exit("bench: %s: %d discrepancies, %d expected; unexpected %s; missed %s"
             % (name, len(g), len(w), extra, lost))
print("%s: correct: the %d discrepancies the generator injected, no other" % (name, len(g)))
PY
}

# steps TITLE TIMINGS: the table of one run's steps from its $RECON_TIMINGS
# lines: seconds (a thread's, for steps that overlap), rows/s, peak RSS
# when the step ended.
steps() {
	python3 - "$@" <<'PY'
import sys
title, path = sys.argv[1], sys.argv[2]
print()
print("== " + title)
print("%-14s %10s %9s %11s %9s" % ("step", "rows", "s", "rows/s", "RSS MiB"))
for line in open(path):
    scope, step, secs, rows, rss = line.split()
    secs, rows = float(secs), int(rows)
    name = step if scope in ("run", "day") or scope == "wechat" else scope + " " + step
    print("%-14s %10s %9.2f %11s %9.1f" % (name, rows or "-", secs,
          "%d" % (rows / secs) if rows and secs > 0 else "-", int(rss) / 1024))
PY
}

# runs LABEL N WS: recon run of the workspace's day $repeat times (a re-run
# replaces the day: the best is the steady figure); the timings of the
# best into $work/LABEL.steps.
runs() {
	i=0
	while [ $i -lt "$repeat" ]; do
		rm -f "$work/$1.t$i"
		measure "$1" "$2" env RECON_TIMINGS="$work/$1.t$i" sh -c '"$@"; [ $? -le 1 ]' sh \
			"$recon" --config "$3/recon.conf" run --date 2026-11-21
		i=$((i + 1))
	done
	python3 - "$work/$1" "$repeat" <<'PY'
import shutil, sys
base, n = sys.argv[1], int(sys.argv[2])
total = lambda i: [float(l.split()[2]) for l in open("%s.t%d" % (base, i)) if l.startswith("run total")][0]
shutil.copy("%s.t%d" % (base, min(range(n), key=total)), base + ".steps")
PY
}

# best LABEL: the least wall time measured for LABEL so far, and its RSS.
best() {
	python3 - "$results" "$1" <<'PY'
import sys
w = [(float(l.split()[2]), int(l.split()[3])) for l in open(sys.argv[1]) if l.split()[0] == sys.argv[2]]
print("%.3f %.1f" % (min(w)[0], min(w)[1] / 1024))
PY
}

# recon run: one channel's day of N statement rows (the canonical CSV and
# a WeChat Pay ALL bill, gzipped, of the same payments) against a ledger of
# that day's N items plus BENCH_HISTORY_DAYS (90) days of history of
# BENCH_HISTORY_ROWS (100,000) items each; for each N in BENCH_RUN_ROWS.
# The ledger import is timed once; each run $repeat times, the steps of the
# best shown, its discrepancies checked against the generator's. DuckDB runs
# the same reconciliation of the canonical CSV (bench/duckdb_day.mjs: the
# statement and the ledger files read from CSV, the same classes), when it
# can be installed, and the ratio recon/DuckDB is shown. For a WeChat bill
# gunzip alone is timed beside the run's decoding.
bench_run() {
	hd=${BENCH_HISTORY_DAYS:-90}
	summary=$work/run-summary
	: >"$summary"
	if duckdb_ready; then duck=1; else duck=0; echo "bench: no DuckDB: that column is left out"; fi
	for sn in ${BENCH_RUN_ROWS:-1000000 10000000}; do
		cday=$(day "$sn" "$hd" canonical)
		ws=$work/run-ws
		rm -rf "$ws"
		mkdir -p "$ws"
		cp "$cday/recon.conf" "$ws/"
		hrows=$(($(wc -l <"$cday/ledger-history.csv") - 1))
		measure "import-$sn" $((sn + hrows)) "$recon" -q --config "$ws/recon.conf" ledger import \
			"$cday/ledger-history.csv" "$cday/ledger.csv"
		set -- $(best "import-$sn")
		echo "import-$sn: $((sn + hrows)) ledger rows ($hd days of history) in $1 s," \
			"$(python3 -c "print(int($((sn + hrows)) / $1))") rows/s, peak RSS $2 MiB;" \
			"database $(du -m "$ws/recon.db" | cut -f1) MB, day files" \
			"$(du -sm "$ws/recon.db.days" | cut -f1) MB"
		for fmt in ${BENCH_RUN_FORMATS:-canonical wechat}; do
			d=$(day "$sn" "$hd" "$fmt")
			stmt=$(ls "$d"/statements/wechat/2026-11-21.csv*)
			cp "$d/recon.conf" "$ws/"
			rm -f "$ws/statements"
			ln -s "$d/statements" "$ws/statements"
			rl=run-$sn-$fmt
			runs "$rl" "$sn" "$ws"
			steps "recon run, $sn rows, $fmt ($(du -m "$stmt" | cut -f1) MB statement): $(cat "$work/$rl.out")" \
				"$work/$rl.steps"
			check "$rl" "$ws/out/2026-11-21/discrepancies.csv" "$d/expected.csv"
			set -- $(best "$rl")
			rt=$1 rss=$2 dt=- ratio=-
			if [ "$fmt" = wechat ]; then
				i=0
				while [ $i -lt "$repeat" ]; do
					measure "gunzip-$sn" "$sn" gzip -dc "$stmt"
					i=$((i + 1))
				done
				set -- $(best "gunzip-$sn")
				echo "gunzip alone: $1 s for the $(($(gzip -dc "$stmt" | wc -c) / 1000000)) MB" \
					"of text (the run's decode step above includes it)"
			elif [ $duck = 1 ]; then
				i=0
				while [ $i -lt "$repeat" ]; do
					measure "duckdb-$sn" "$sn" node "$root/bench/duckdb_day.mjs" "$stmt" \
						"$cday/ledger.csv,$cday/ledger-history.csv" "$work/duckdb-$sn.csv"
					i=$((i + 1))
				done
				cat "$work/duckdb-$sn.out"
				check "duckdb-$sn" "$work/duckdb-$sn.csv" "$d/expected.csv"
				set -- $(best "duckdb-$sn")
				dt=$1
				ratio=$(python3 -c "print('%.2f' % ($rt / $dt))")
			fi
			echo "$sn $fmt $rt $rss $dt $ratio" >>"$summary"
		done
		rm -rf "$ws"
	done
	python3 - "$summary" "$duck" <<'PY'
import sys
print()
print("== recon run against DuckDB (wall seconds, best of the runs; peak RSS of recon)")
print("%10s %-10s %9s %9s %9s %12s" % ("rows", "format", "recon s", "RSS MiB", "DuckDB s",
                                       "recon/DuckDB"))
for line in open(sys.argv[1]):
    n, fmt, rt, rss, dt, ratio = line.split()
    print("%10s %-10s %9s %9s %9s %12s" % (n, fmt, rt, rss, dt if sys.argv[2] == "1" else "",
                                           ratio if sys.argv[2] == "1" else ""))
PY
	: >"$results"
}

# History independence: the same day of BENCH_HISTORY_RUN_ROWS (1,000,000)
# statement rows against a ledger with 9 and with 90 days of history
# (BENCH_HISTORY_ROWS items each): a run's work follows the day, so ten
# times the history may cost at most 1.2 times the time.
bench_history() {
	sn=${BENCH_HISTORY_RUN_ROWS:-1000000}
	for hd in 9 90; do
		d=$(day "$sn" "$hd" canonical)
		ws=$work/history-ws
		rm -rf "$ws"
		mkdir -p "$ws"
		cp "$d/recon.conf" "$ws/"
		ln -s "$d/statements" "$ws/statements"
		"$recon" -q --config "$ws/recon.conf" ledger import "$d/ledger-history.csv" "$d/ledger.csv"
		runs "history-$hd" "$sn" "$ws"
		check "history-$hd" "$ws/out/2026-11-21/discrepancies.csv" "$d/expected.csv"
		echo "history-$hd: ledger of $(($(wc -l <"$d/ledger-history.csv") + sn - 1)) rows," \
			"database $(du -m "$ws/recon.db" | cut -f1) MB"
		rm -rf "$ws"
	done
	python3 - "$results" <<'PY'
import sys
best = {}
for line in open(sys.argv[1]):
    label, n, wall, rss = line.split()
    best[label] = min(best.get(label, 1e9), float(wall))
r = best["history-90"] / best["history-9"]
print("history: 9 days %.2f s, 90 days %.2f s: ten times the history costs %.2fx the time (at most 1.2: %s)"
      % (best["history-9"], best["history-90"], r, "yes" if r <= 1.2 else "NO"))
PY
	table "recon run, $sn rows, against 9 and 90 days of history"
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
