#!/bin/sh
# Golden end-to-end tests. Each folder tests/golden/CASE holds:
#   cmd             shell script, run with sh in a scratch copy of CASE,
#                   with `recon` on PATH
#   expect.stdout   expected standard output   (absent: must be empty)
#   expect.stderr   expected standard error    (absent: must be empty)
#   expect.status   expected exit status       (absent: 0)
#   expect/         files the run must leave behind, byte for byte
# Usage: tests/golden/run.sh /abs/path/to/recon [CASE...]
# GOLDEN_BLESS=1 rewrites the expect.* files from the actual run (review the diff!).
set -u
recon=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/recon-golden.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/bin"
ln -s "$recon" "$tmp/bin/recon"
export PATH="$tmp/bin:$PATH" RECON_FORMAT_PATH="$root/formats" RECON_RULES_PATH="$root/rules"
export RECON_SAMPLES="$root/samples" RECON_ROOT="$root" TZ=UTC LC_ALL=C.UTF-8
unset RECON_CONFIG
[ $# -gt 0 ] || set -- $(cd "$here" && ls -d */ | tr -d /)
pass=0 fail=0 failed=""
for c in "$@"; do
	src="$here/$c"; w="$tmp/$c"
	[ -f "$src/cmd" ] || continue
	mkdir -p "$w" && cp -R "$src/." "$w/" && rm -rf "$w/expect" "$w"/expect.*
	(cd "$w" && sh ./cmd >"$tmp/$c.out" 2>"$tmp/$c.err" </dev/null); st=$?
	ok=1
	if [ "${GOLDEN_BLESS:-}" = 1 ]; then
		cp "$tmp/$c.out" "$src/expect.stdout"; cp "$tmp/$c.err" "$src/expect.stderr"
		echo "$st" >"$src/expect.status"
		[ -s "$src/expect.stdout" ] || rm -f "$src/expect.stdout"
		[ -s "$src/expect.stderr" ] || rm -f "$src/expect.stderr"
		[ "$st" != 0 ] || rm -f "$src/expect.status"
	fi
	want=0; [ -f "$src/expect.status" ] && want=$(cat "$src/expect.status")
	if [ "$st" != "$want" ]; then echo "  $c: exit status $st, expected $want"; ok=0; fi
	for s in stdout stderr; do
		f="$src/expect.$s"; a="$tmp/$c.out"; [ $s = stderr ] && a="$tmp/$c.err"
		[ -f "$f" ] || f=/dev/null
		if ! cmp -s "$f" "$a"; then echo "  $c: $s differs:"; diff -u "$f" "$a" | head -40 | sed 's/^/    /'; ok=0; fi
	done
	if [ -d "$src/expect" ]; then
		for f in $(cd "$src/expect" && find . -type f | sort); do
			if ! cmp -s "$src/expect/$f" "$w/$f"; then
				echo "  $c: file $f differs:"; diff -u "$src/expect/$f" "$w/$f" 2>&1 | head -40 | sed 's/^/    /'; ok=0
			fi
		done
	fi
	if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $c"; echo "FAIL $c"; fi
done
echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ] || { echo "golden: failed:$failed"; exit 1; }
