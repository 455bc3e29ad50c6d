#!/bin/sh
# Run each cmocka test binary given; summarise; fail if any failed.
pass=0 fail=0 failed=""
for t in "$@"; do
	if "$t" >"$t.log" 2>&1; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		failed="$failed ${t##*/}"
		cat "$t.log"
	fi
	grep -h '^\[  PASSED  \]\|^\[  FAILED  \]' "$t.log" | sed "s|^|${t##*/}: |"
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ] || { echo "unit: failed:$failed"; exit 1; }
