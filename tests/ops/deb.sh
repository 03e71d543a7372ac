#!/usr/bin/env bash
# make test-deb: checks the Debian package in DIR (make deb's build/deb) without installing
# it on this machine: its files, its control data and maintainer scripts, lintian, the
# systemd units (systemd-analyze verify against the unpacked tree), the man pages, and the
# unpacked server started from the installed layout with the shipped configuration (only
# the paths moved into a temporary root): health, the web UI from /usr/share/kedb/web, the
# units' helper making the first database and running backup and prune, a clean stop.
# Ends with "test_deb: N passed, N failed".
set -u
dir=${1:-build/deb}
export LC_ALL=C
deb=$(ls "$dir"/kedb_*.deb 2>/dev/null | head -n 1)
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { # check WHAT CMD...: one case
    local what=$1
    shift
    if "$@"; then ok; else bad "$what"; fi
}
if [ -z "$deb" ]; then
    echo "FAIL no kedb_*.deb in $dir (run make deb)"
    echo "test_deb: 0 passed, 1 failed"
    exit 1
fi
echo "checking $deb"
tmp=$(mktemp -d)
server=
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# --- the files ---
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' > "$tmp/files"
for f in /usr/bin/kedb-server /usr/bin/kedb-index /usr/bin/kedb-import /usr/bin/kedb-admin \
    /usr/share/kedb/web/index.html /usr/share/kedb/web/app.js /etc/kedb/kedb.conf \
    /usr/share/kedb/samples/sla.conf /usr/share/kedb/samples/synonyms.txt \
    /usr/share/kedb/samples/calendar/cn-2026.txt /usr/share/man/man8/kedb-server.8.gz \
    /usr/share/man/man8/kedb-admin.8.gz /usr/share/man/man1/kedb-index.1.gz \
    /usr/share/man/man1/kedb-import.1.gz /lib/systemd/system/kedb.service \
    /lib/systemd/system/kedb-backup.service /lib/systemd/system/kedb-backup.timer \
    /usr/lib/kedb/kedb-helper /usr/share/doc/kedb/copyright /usr/share/doc/kedb/OPERATIONS.md; do
    check "the package holds $f" grep -qx "$f" "$tmp/files"
done
check "nothing from the build tree (build/, tests/, .o)" \
    bash -c "! grep -Eq '/(build|tests)/|\.o$' '$tmp/files'"

# --- control data and maintainer scripts ---
dpkg-deb -I "$deb" > "$tmp/info"
dpkg-deb -e "$deb" "$tmp/control"
for lib in libsqlite3-0 libmicrohttpd12 libjansson4 libsodium23 libcurl4 adduser; do
    check "Depends names $lib" grep -Eq "^ Depends:.*\b$lib\b" "$tmp/info"
done
check "kedb.conf is a conffile" grep -qx /etc/kedb/kedb.conf "$tmp/control/conffiles"
check "postinst creates the user kedb" grep -q "adduser --system --group" "$tmp/control/postinst"
check "postinst enables kedb.service" grep -q "enable 'kedb.service'\|enable kedb.service" \
    "$tmp/control/postinst"
check "postinst enables the backup timer" grep -q "kedb-backup.timer" "$tmp/control/postinst"
check "postrm purge removes /var/lib/kedb" \
    bash -c "grep -A2 '\"\$1\" = purge' '$tmp/control/postrm' | grep -q 'rm -rf /var/lib/kedb'"
check "postrm keeps the data on remove" \
    bash -c "! grep -B3 'rm -rf /var/lib/kedb' '$tmp/control/postrm' | grep -q remove"
check "maintainer scripts parse" sh -n "$tmp/control/postinst"
check "postrm parses" sh -n "$tmp/control/postrm"

# --- lintian: no errors ---
if command -v lintian >/dev/null; then
    lintian --tag-display-limit 0 "$deb" > "$tmp/lintian" 2>&1
    sed 's/^/  lintian: /' "$tmp/lintian"
    check "lintian finds no errors" bash -c "! grep -q '^E:' '$tmp/lintian'"
else
    echo "lintian not installed: skipped (make deb installs it)"
fi

# --- unpacked: units, man pages, the server from the installed layout ---
root=$tmp/root
dpkg-deb -x "$deb" "$root"
unit=$root/lib/systemd/system/kedb.service
for k in Type=notify User=kedb ProtectSystem=strict ReadWritePaths=/var/lib/kedb \
    NoNewPrivileges=yes PrivateTmp=yes "ExecReload=/bin/kill -HUP \$MAINPID"; do
    check "kedb.service has $k" grep -qxF "$k" "$unit"
done
check "the timer runs nightly" grep -q "^OnCalendar=" "$root/lib/systemd/system/kedb-backup.timer"
if command -v systemd-analyze >/dev/null; then
    # against the unpacked tree: what is missing there only (the system's targets, /bin/kill,
    # the man program) is left out; a wrong key or section is reported
    out=$(systemd-analyze verify --root="$root" kedb.service kedb-backup.service \
        kedb-backup.timer 2>&1 | grep -v -e 'Unit sysinit.target not found' \
        -e 'Command /bin/kill is not executable' -e "Command 'man kedb-")
    [ -n "$out" ] && echo "$out" | sed 's/^/  systemd-analyze: /'
    check "systemd-analyze verify finds nothing to say" test -z "$out"
fi
for m in "$root"/usr/share/man/man*/*.gz; do
    warn=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$m" 2>&1 >/dev/null)
    check "man page $(basename "$m") renders without warnings ($warn)" test -z "$warn"
done

# the shipped configuration with its paths moved into the unpacked tree
conf=$tmp/kedb.conf
sed -e "s|^db = .*|db = $tmp/var/kedb.db|" -e "s|^web = /|web = $root/|" \
    -e "s|^port = .*|port = 0|" "$root/etc/kedb/kedb.conf" > "$conf"
mkdir -p "$tmp/var"
check "the shipped configuration passes --check-config" \
    "$root/usr/bin/kedb-server" --config "$conf" --check-config
export KEDB_CONFIG=$conf KEDB_BINDIR=$root/usr/bin
check "kedb-helper init-db makes the first database" \
    bash -c "'$root/usr/lib/kedb/kedb-helper' init-db && test -s '$tmp/var/kedb.db'"
"$root/usr/bin/kedb-server" --config "$conf" > "$tmp/out" 2> "$tmp/err" &
server=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$tmp/out")
    [ -n "$port" ] && break
    sleep 0.1
done
check "the unpacked server listens" test -n "$port"
if [ -n "$port" ]; then
    check "GET /healthz answers 200" \
        bash -c "curl -fsS http://127.0.0.1:$port/healthz > '$tmp/health' &&
                 grep -q '\"status\":\"ok\"' '$tmp/health'"
    check "the web UI comes from /usr/share/kedb/web" \
        bash -c "curl -fsS http://127.0.0.1:$port/ > '$tmp/page' && grep -qi '<html' '$tmp/page'"
    check "an access line in logfmt" \
        grep -q "level=info msg=access request_id=.* route=/healthz .*status=200" "$tmp/err"
fi
check "kedb-helper backup makes a backup and prunes" \
    bash -c "'$root/usr/lib/kedb/kedb-helper' backup > '$tmp/backup' 2>&1 &&
             grep -q '^backup 1: ' '$tmp/backup' && grep -q 'backups pruned' '$tmp/backup'"
if [ -n "$server" ]; then
    kill -TERM "$server"
    wait "$server"
    rc=$?
    server=
    check "SIGTERM: exit 0 (status $rc)" test "$rc" = 0
    check "SIGTERM: the stop is logged" grep -q 'msg=stopped' "$tmp/err"
fi

echo "test_deb: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
