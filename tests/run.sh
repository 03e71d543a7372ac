#!/usr/bin/env bash
# Runs every unit test program, the source checks, the API tests, the OpenAPI check and the
# browser tests against the binaries in $1, then prints the total as the last line:
# "N passed, N failed".
# KEDB_VALGRIND=1 runs unit tests and the API server under valgrind.
set -u
bindir=$1
export LC_ALL=C
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# cairo's own loss in PDF font subsetting and fontconfig's process caches (tests/lsan.supp,
# tests/valgrind.supp)
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
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
    vg=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=97
        --suppressions="$PWD/tests/valgrind.supp")
fi
# run NAME WHY CMD...: runs CMD with its output in $out/NAME.log, shows it and adds its
# counts; an exit status other than 0 without a failed count is one more failure (WHY).
run() {
    local name=$1 why=$2 rc
    shift 2
    "$@" >"$out/$name.log" 2>&1
    rc=$?
    cat "$out/$name.log"
    add_counts "$out/$name.log"
    if [ $rc -ne 0 ] && ! grep -Eq '[1-9][0-9]* failed' "$out/$name.log"; then
        echo "$name: exited with status $rc$why"
        fail=$((fail + 1))
    fi
}
for t in "$bindir"/test_*; do
    [ -x "$t" ] || continue
    run "$(basename "$t")" " (crash, sanitizer or valgrind report)" "${vg[@]}" "$t"
done
# Source checks (tests/lint/): every error message has its Chinese (err_zh.py).
for t in tests/lint/*.py; do
    [ -f "$t" ] || continue
    run "lint_$(basename "$t" .py)" "" python3 "$t"
done
for t in tests/api/test_*.py; do
    [ -f "$t" ] || continue
    run "$(basename "$t" .py)" "" env KEDB_BIN="$bindir" python3 "$t"
done
# docs/openapi.yaml describes every route of server/routes.c and is valid OpenAPI 3.1.
run test_openapi "" node tests/openapi/openapi.test.js
# The web UI in headless Chromium (not under valgrind: the browser tests drive the page,
# the API tests above already run the server under valgrind).
if [ "${KEDB_VALGRIND:-0}" != 1 ]; then
    run test_browser "" env KEDB_BIN="$bindir" \
        KEDB_SCREENSHOTS="${KEDB_SCREENSHOTS:-build/screenshots}" node tests/browser/ui.test.js
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
