#!/usr/bin/env bash
# make test-deb-chroot: installs the Debian package in DIR (make deb's build/deb) on a fresh
# Debian 12 and runs it there as its unit would (as root; docs/OPERATIONS.md).
#
# A minimal bookworm (debootstrap --variant=minbase, the mirror of this machine's apt
# sources) is made once and kept as a tarball in $KEDB_CHROOT_CACHE (build/deb-chroot);
# every run unpacks it afresh. In it: apt-get install ./kedb_*.deb (apt resolves the
# dependencies), the user kedb and /var/lib/kedb, the units enabled; then the unit's
# ExecStartPre and ExecStart (read from the installed kedb.service) as its User= with the
# shipped /etc/kedb/kedb.conf, in a network namespace of its own (the configured port is
# free there) and with a NOTIFY_SOCKET (Type=notify): /healthz, /readyz, the web UI,
# /metrics through `promtool check metrics`, every stderr line logfmt with the documented
# fields, SIGHUP switching to JSON lines, the backup unit's command, SIGTERM and a clean
# exit; reinstalling keeps the database, apt-get remove keeps /var/lib/kedb, purge removes
# it. systemd cannot be PID 1 in a chroot, so the sandboxing settings are not exercised
# (make test-deb checks them with systemd-analyze). KEEP_CHROOT=1 keeps the tree.
# Ends with "test_deb_chroot: N passed, N failed".
set -u
export LC_ALL=C
dir=${1:-build/deb}
cache=${KEDB_CHROOT_CACHE:-build/deb-chroot}
suite=bookworm
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { # check WHAT CMD...: one case
    local what=$1
    shift
    if "$@"; then ok; else bad "$what"; fi
}
finish() {
    echo "test_deb_chroot: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit
}
started=$(date +%s)
since() { echo "$(($(date +%s) - $1)) s"; }

deb=$(ls "$dir"/kedb_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { bad "no kedb_*.deb in $dir (run make deb)"; finish; }
[ "$(id -u)" = 0 ] || { bad "debootstrap, chroot and mount need root"; finish; }
for tool in debootstrap ip curl promtool python3; do
    command -v $tool >/dev/null || { bad "$tool not installed (make deps-deb-chroot)"; finish; }
done
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# The Debian mirror apt uses here (deb822 .sources or one-line sources.list), else Debian's
# own redirector.
mirror() {
    if [ -n "${KEDB_DEBIAN_MIRROR:-}" ]; then
        echo "$KEDB_DEBIAN_MIRROR"
        return
    fi
    local m
    m=$(awk -v s="$suite" '
        /^URIs:/ { uri = $2 }
        /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) found = uri }
        /^$/ { uri = "" }
        END { print found }' /etc/apt/sources.list.d/*.sources 2>/dev/null)
    [ -z "$m" ] && m=$(awk -v s="$suite" '$1 == "deb" && $3 == s { print $2; exit }' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null)
    echo "${m:-http://deb.debian.org/debian}"
}

# --- the fresh Debian 12: made once, unpacked every run ---
base=$cache/$suite-minbase.tar
if [ ! -s "$base" ]; then
    t=$(date +%s)
    url=$(mirror)
    echo "debootstrap --variant=minbase $suite from $url (once; kept in $base)"
    rm -rf "$cache/bootstrap"
    if ! debootstrap --variant=minbase "$suite" "$cache/bootstrap" "$url" \
        > "$cache/debootstrap.log" 2>&1; then
        tail -n 20 "$cache/debootstrap.log"
        rm -rf "$cache/bootstrap"
        bad "debootstrap $suite (log: $cache/debootstrap.log)"
        finish
    fi
    rm -rf "$cache/bootstrap/var/cache/apt/archives/"*.deb
    tar -C "$cache/bootstrap" --numeric-owner -cf "$base.tmp" . && mv "$base.tmp" "$base"
    rm -rf "$cache/bootstrap"
    echo "debootstrap and tarball: $(since "$t")"
fi
root=$cache/root
ns=kedb-chroot-$$
server=
listener=
mounted=()
cleanup() {
    [ -n "$server" ] && kill -KILL "$server" 2>/dev/null && wait "$server" 2>/dev/null
    [ -n "$listener" ] && kill "$listener" 2>/dev/null && wait "$listener" 2>/dev/null
    local i p
    # whatever this run started inside its chroot (a server whose start went wrong)
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -KILL "${p#/proc/}" 2>/dev/null
    done
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}"
    done
    ip netns delete "$ns" 2>/dev/null
    if [ -z "${KEEP_CHROOT:-}" ] && ! mountpoint -q "$root/proc" &&
        ! mountpoint -q "$root/dev/pts"; then
        rm -rf "$root"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for m in dev/pts proc; do # a run killed before its trap
    mountpoint -q "$root/$m" && umount -l "$root/$m"
done
rm -rf "$root"
mkdir -p "$root"
t=$(date +%s)
tar -C "$root" --numeric-owner -xf "$base"
mount -t proc proc "$root/proc" && mounted+=("$root/proc")
# the device nodes debootstrap made, and a pseudo-terminal instance of the chroot's own
# (apt logs through one; the host's /dev is not bound, so nothing leaks back to it)
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" &&
    mounted+=("$root/dev/pts")
cp /etc/resolv.conf "$root/etc/resolv.conf"
[ -d /etc/apt/apt.conf.d ] && grep -rhi '^Acquire::.*Proxy' /etc/apt/apt.conf.d/ \
    > "$root/etc/apt/apt.conf.d/00proxy" 2>/dev/null
echo "fresh $suite unpacked: $(since "$t")"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C \
    DEBIAN_FRONTEND=noninteractive "$@"; }
# dpkg/apt in the chroot, answers to nothing (a question would fail, not hang)
apt_in() { in_root sh -c "cd /tmp && $*" >> "$cache/apt.log" 2>&1 < /dev/null; }

# --- install ---
t=$(date +%s)
cp "$deb" "$root/tmp/"
name=$(basename "$deb")
check "the fresh system has no kedb user" bash -c "! chroot '$root' getent passwd kedb"
in_root apt-get update -q > "$cache/apt.log" 2>&1
check "apt-get install ./$name resolves the dependencies" apt_in apt-get install -y -q "./$name"
grep -E '^(E:|W:|dpkg: |Setting up kedb)' "$cache/apt.log" | sed 's/^/  apt: /'
echo "apt-get install: $(since "$t")"
installed() { [ "$(chroot "$root" dpkg-query -W -f='${Status}' kedb)" = "install ok installed" ]; }
check "dpkg reports kedb installed" installed
installed || { tail -n 30 "$cache/apt.log"; finish; }
user=$(chroot "$root" getent passwd kedb)
check "the system user kedb ($user)" \
    bash -c "[[ '$user' =~ ^kedb:x:([0-9]+):[0-9]+:[^:]*:/var/lib/kedb:/usr/sbin/nologin$ ]] &&
             (( \${BASH_REMATCH[1]} < 1000 ))"
check "the group kedb" bash -c "chroot '$root' getent group kedb > /dev/null"
check "/var/lib/kedb: kedb:kedb 0750" \
    bash -c "[ \"\$(chroot '$root' stat -c '%U:%G %a' /var/lib/kedb)\" = 'kedb:kedb 750' ]"
check "kedb.service enabled" test -L "$root/etc/systemd/system/multi-user.target.wants/kedb.service"
check "kedb-backup.timer enabled" \
    test -L "$root/etc/systemd/system/timers.target.wants/kedb-backup.timer"
conf=/etc/kedb/kedb.conf
check "the shipped configuration names no sample file" \
    bash -c "! grep -v '^[#;]' '$root$conf' | grep -q samples"
checked() { in_root /usr/bin/kedb-server --config $conf --check-config > /dev/null; }
check "the shipped configuration passes --check-config" checked
check "pdftotext (Recommends: poppler-utils) for the text of attached PDFs" \
    test -x "$root/usr/bin/pdftotext"
check "the service report's CJK fonts (Recommends: fonts-noto-cjk)" \
    test -e "$root/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

# --- run it as the unit does ---
unit=$root/lib/systemd/system/kedb.service
# the unit's value of key (the last one), without systemd's prefixes (-, @, +, !, :)
unit_get() { sed -n "s/^$1=[-@+!:]*//p" "$2" | tail -n 1; }
read -ra pre <<< "$(unit_get ExecStartPre "$unit")"
read -ra cmd <<< "$(unit_get ExecStart "$unit")"
svc_user=$(unit_get User "$unit")
svc_group=$(unit_get Group "$unit")
check "kedb.service runs ${cmd[*]} as $svc_user:$svc_group" \
    test "${#cmd[@]}" -gt 0 -a -n "$svc_user" -a -n "$svc_group"
[ "${#cmd[@]}" -gt 0 ] && [ -n "$svc_user" ] || finish
port=$(sed -n 's/^port[[:space:]]*=[[:space:]]*//p' "$root$conf" | tail -n 1)
host=$(sed -n 's/^host[[:space:]]*=[[:space:]]*//p' "$root$conf" | tail -n 1)
base_url=http://$host:$port
ip netns add "$ns" && ip netns exec "$ns" ip link set lo up
in_ns() { ip netns exec "$ns" "$@"; }
# as_unit USER:GROUP CMD...: as a unit's user with systemd's environment for a system
# service (and NOTIFY_SOCKET), in the namespace; ip, env and chroot exec one another, so
# ( exec_unit ... ) & leaves $! the command's own process
exec_unit() {
    local who=$1
    shift
    exec ip netns exec "$ns" env -i \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        NOTIFY_SOCKET=/run/kedb-notify chroot --userspec="$who" "$root" "$@"
}
as_unit() { (exec_unit "$@"); }
notes=$cache/notify.log
: > "$notes"
python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", " ") + "\n")
        out.flush()
' "$root/run/kedb-notify" "$notes" &
listener=$!
for _ in $(seq 100); do
    [ -S "$root/run/kedb-notify" ] && break
    sleep 0.05
done
made_db() { as_unit "$svc_user:$svc_group" "${pre[@]}" && test -s "$root/var/lib/kedb/kedb.db"; }
check "ExecStartPre (${pre[*]}) makes the database" made_db
out=$cache/server.out
err=$cache/server.err
(exec_unit "$svc_user:$svc_group" "${cmd[@]}") > "$out" 2> "$err" &
server=$!
for _ in $(seq 150); do
    grep -q READY=1 "$notes" && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
done
check "the service says READY=1 (Type=notify)" grep -q READY=1 "$notes"
check "it listens on $base_url (the shipped port)" grep -qx "listening on $base_url" "$out"
# answers PATH FILE PATTERN: GET PATH answers 200 with PATTERN in the body (kept in FILE)
answers() {
    local code
    code=$(in_ns curl -sS -o "$2" -w '%{http_code}' "$base_url$1") &&
        [ "$code" = 200 ] && grep -Eq "$3" "$2"
}
check "GET /healthz answers 200 ok" answers /healthz "$cache/healthz" '"status":"ok"'
check "GET /readyz answers 200 ready" answers /readyz "$cache/readyz" '"status":"ready"'
grep -q '"ready"' "$cache/readyz" 2>/dev/null || sed 's/^/  readyz: /' "$cache/readyz"
check "the web UI from /usr/share/kedb/web" answers / "$cache/page" '<html'
check "GET /metrics answers" answers /metrics "$cache/metrics" '^kedb_'
check "GET /metrics passes promtool check metrics" promtool check metrics < "$cache/metrics"
check "/metrics counts the requests" grep -q '^kedb_http_requests_total{.*route="/healthz"' \
    "$cache/metrics"
field=$'[^ ]+'
check "an access line with the documented fields (logfmt)" \
    grep -Eq "^time=$field level=info msg=access request_id=[0-9a-f]{24} method=GET \
route=/healthz path=/healthz params=0 status=200 bytes=[0-9]+ duration_ms=[0-9.]+ user=- \
client=127\.0\.0\.1$" "$err"
check "every stderr line is logfmt (time, level, msg)" \
    bash -c "test -s '$err' && ! grep -Ev '^time=[0-9T:.-]+Z level=(error|warn|info|debug) msg=' \
        '$err'"
grep -Ev '^time=[0-9T:.-]+Z level=(error|warn|info|debug) msg=' "$err" | head -n 5 |
    sed 's/^/  not logfmt: /'

# the samples are optional: the service above ran without them; loaded while it runs
indexed() {
    as_unit kedb:kedb /usr/bin/kedb-index -q --db /var/lib/kedb/kedb.db /usr/share/kedb/samples \
        > "$cache/index.log" 2>&1 && answers /healthz "$cache/healthz" '"documents":[1-9]'
}
check "kedb-index of /usr/share/kedb/samples as kedb while it runs: documents served" indexed
[ -s "$cache/index.log" ] && sed 's/^/  kedb-index: /' "$cache/index.log"

# the service report's PDF, typeset in the installed CJK fonts: a user made with kedb-admin
# as the service's user, a login, the PDF
password=Chroot-Lamp-$$-Harbor
useradd_ok() { echo "$password" | as_unit kedb:kedb /usr/bin/kedb-admin \
    --db /var/lib/kedb/kedb.db useradd opsadmin admin > /dev/null; }
check "kedb-admin useradd as kedb" useradd_ok
pdf_ok() {
    local token
    token=$(in_ns curl -sS -H 'Content-Type: application/json' \
        -d "{\"username\":\"opsadmin\",\"password\":\"$password\"}" \
        "$base_url/api/v1/auth/login" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])') &&
        in_ns curl -fsS -H "Authorization: Bearer $token" -o "$cache/service.pdf" \
            "$base_url/api/v1/reports/service.pdf" &&
        [ "$(head -c 5 "$cache/service.pdf")" = "%PDF-" ] &&
        { ! command -v pdffonts > /dev/null ||
            pdffonts "$cache/service.pdf" | grep -q NotoSansCJK; }
}
check "GET /api/v1/reports/service.pdf: a PDF in Noto Sans CJK" pdf_ok

# reload: log_format = json through SIGHUP (ExecReload), the connection-free checks again
sed -i 's/^log_format = logfmt$/log_format = json/' "$root$conf"
lines=$(wc -l < "$err")
kill -HUP "$server"
for _ in $(seq 50); do
    grep -q 'reloaded from' "$err" && break
    sleep 0.1
done
answers /healthz "$cache/healthz" ok
sleep 0.2
check "SIGHUP: reloaded, READY=1 again" \
    bash -c "grep -q 'reloaded from' '$err' && [ \$(grep -c READY=1 '$notes') -ge 2 ]"
check "after log_format = json every line is a JSON object with time, level, msg" \
    python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()[int(sys.argv[2]) + 1:]
acc = [json.loads(l) for l in lines]
assert acc and all({"time", "level", "msg"} <= set(o) for o in acc), lines
assert any(o["msg"] == "access" and o["route"] == "/healthz" and o["status"] == 200 and
           "request_id" in o for o in acc), lines
' "$err" "$lines"
check "the service still answers after the reload" answers /readyz "$cache/readyz" ready

# the backup unit's command, as its user, while the server runs
bunit=$root/lib/systemd/system/kedb-backup.service
read -ra bcmd <<< "$(unit_get ExecStart "$bunit")"
backed_up() {
    as_unit "$(unit_get User "$bunit"):$(unit_get Group "$bunit")" "${bcmd[@]}" \
        > "$cache/backup.log" 2>&1 && ls "$root"/var/lib/kedb/*.backups/* > /dev/null
}
check "kedb-backup.service (${bcmd[*]}) makes a backup in /var/lib/kedb" backed_up
[ -s "$cache/backup.log" ] && sed 's/^/  backup: /' "$cache/backup.log"

# --- stop: SIGTERM (systemd's KillSignal) ---
kill -TERM "$server"
rc=0
wait "$server" || rc=$?
server=
check "SIGTERM: exit status 0 (got $rc)" test "$rc" = 0
check "SIGTERM: the stop is logged" grep -q '"msg":"stopped"' "$err"
check "SIGTERM: STOPPING=1" grep -q STOPPING=1 "$notes"

# --- upgrade, remove, purge ---
sum=$(sha256sum < "$root/var/lib/kedb/kedb.db")
db_kept() { [ "$(sha256sum < "$root/var/lib/kedb/kedb.db")" = "$sum" ]; }
check "apt-get install --reinstall" apt_in apt-get install -y -q --reinstall "./$name"
check "reinstalling keeps the database" db_kept
check "reinstalling keeps the changed configuration" grep -qx 'log_format = json' "$root$conf"
check "apt-get remove kedb" apt_in apt-get remove -y -q kedb
check "remove: the programs are gone" test ! -e "$root/usr/bin/kedb-server"
check "remove keeps /var/lib/kedb and the database" db_kept
check "remove keeps /etc/kedb/kedb.conf" test -e "$root$conf"
check "apt-get purge kedb" apt_in apt-get purge -y -q kedb
check "purge removes /var/lib/kedb" test ! -e "$root/var/lib/kedb"
check "purge removes /etc/kedb" test ! -e "$root/etc/kedb"
check "purge removes the units' links" \
    test ! -e "$root/etc/systemd/system/multi-user.target.wants/kedb.service"
echo "total: $(since "$started")"
finish
