#!/usr/bin/env bash
# Runs every unit test program and the API tests against the binaries in $1, then prints
# the total as the last line: "N passed, N failed".
# KEDB_VALGRIND=1 runs unit tests and the API server under valgrind.
set -u
bindir=$1
export LC_ALL=C
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
pass=0
fail=0
add_counts() { # reads "...: N passed, N failed" lines from a log file
    local p f
    p=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1 | awk '{print $1}')
    f=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1 | awk '{print $3}')
    pass=$((pass + ${p:-0}))
    fail=$((fail + ${f:-0}))
}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
vg=()
if [ "${KEDB_VALGRIND:-0}" = 1 ]; then
    vg=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=97)
fi
for t in "$bindir"/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    "${vg[@]}" "$t" >"$out/$name.log" 2>&1
    rc=$?
    cat "$out/$name.log"
    add_counts "$out/$name.log"
    if [ $rc -ne 0 ] && ! grep -Eq '[1-9][0-9]* failed' "$out/$name.log"; then
        echo "$name: exited with status $rc (crash, sanitizer or valgrind report)"
        fail=$((fail + 1))
    fi
done
for t in tests/api/test_*.py; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .py)
    KEDB_BIN="$bindir" python3 "$t" >"$out/$name.log" 2>&1
    rc=$?
    cat "$out/$name.log"
    add_counts "$out/$name.log"
    if [ $rc -ne 0 ] && ! grep -Eq '[1-9][0-9]* failed' "$out/$name.log"; then
        echo "$name: exited with status $rc"
        fail=$((fail + 1))
    fi
done
# The web UI in headless Chromium (not under valgrind: the browser tests drive the page,
# the API tests above already run the server under valgrind).
if [ "${KEDB_VALGRIND:-0}" != 1 ]; then
    KEDB_BIN="$bindir" KEDB_SCREENSHOTS="${KEDB_SCREENSHOTS:-build/screenshots}" \
        node tests/browser/ui.test.js >"$out/browser.log" 2>&1
    rc=$?
    cat "$out/browser.log"
    add_counts "$out/browser.log"
    if [ $rc -ne 0 ] && ! grep -Eq '[1-9][0-9]* failed' "$out/browser.log"; then
        echo "test_browser: exited with status $rc"
        fail=$((fail + 1))
    fi
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
