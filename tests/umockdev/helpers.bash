# SPDX-License-Identifier: LGPL-2.1-or-later
# helpers.bash — the umockdev suites' common ground: the fake kernel, tdispd, and sysfs assertions.
#
# Environment (meson sets the first two; both have fallbacks for running bats by hand):
#   TDISPD_BIN           the tdispd binary under test (default: ../../build/tdispd)
#   TDISPD_SYSFS_SHIM    the built sysfs-shim.so (default: compiled here with gcc)
#   TDISPD_TEST_TIMEOUT  seconds any wait may take (default 5)
#
# Per test, under $BATS_TEST_TMPDIR: k/ (fake kernel state: writes.log, kernel.log, notify.log,
# sockets; for TDISP testbeds tsm-audit.log, evidence/, verifier.log), tdispd.conf, policy/, run/,
# tdispd.log (tdispd's stderr).

# $output and $status come from bats' run.
# shellcheck disable=SC2154

bats_load_library bats-support
bats_load_library bats-assert

UMOCKDEV_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FIXTURES=$(cd "$UMOCKDEV_TESTS/../fixtures" && pwd)
FAKE_KERNEL=$UMOCKDEV_TESTS/harness/fake-kernel.py
PYTHON=/usr/bin/python3
KVER=6.1.0-tdispd-test
UMOCKDEV_PRELOAD=libumockdev-preload.so.0
TIMEOUT=${TDISPD_TEST_TIMEOUT:-5}

# ---- components ---------------------------------------------------------------------------------

# A missing component fails the whole file with one clear message: these tests never skip.
require_components() {
    local missing=()
    [ -x "$PYTHON" ] || missing+=("$PYTHON (python3)")
    "$PYTHON" -c 'import gi; gi.require_version("UMockdev", "1.0"); from gi.repository import UMockdev' \
        2>/dev/null || missing+=("python3 UMockdev bindings (python3-gi, gir1.2-umockdev-1.0)")
    ldconfig -p 2>/dev/null | grep -q "$UMOCKDEV_PRELOAD" || missing+=("$UMOCKDEV_PRELOAD (umockdev)")
    command -v depmod >/dev/null || [ -x /usr/sbin/depmod ] || [ -x /sbin/depmod ] || missing+=("depmod (kmod)")
    command -v modprobe >/dev/null || [ -x /usr/sbin/modprobe ] || [ -x /sbin/modprobe ] || missing+=("modprobe (kmod)")
    command -v gcc >/dev/null || missing+=("gcc (fixture modules)")
    if [ ${#missing[@]} -gt 0 ]; then
        printf 'umockdev suite: missing required component: %s\n' "${missing[@]}" >&2
        return 1
    fi
}

require_tdispd() {
    TDISPD_BIN=${TDISPD_BIN:-$UMOCKDEV_TESTS/../../build/tdispd}
    if [ ! -x "$TDISPD_BIN" ]; then
        echo "umockdev suite: tdispd binary not found at '$TDISPD_BIN' (set TDISPD_BIN, or build it)" >&2
        return 1
    fi
    export TDISPD_BIN
}

# The common setup_file of the suites that run tdispd.
tdispd_setup_file() {
    umockdev_setup_file && require_tdispd
}

# Once per file: the shim, and the fixture modules directory (depmod -b).
umockdev_setup_file() {
    PATH=$PATH:/usr/sbin:/sbin
    export PATH
    require_components || return 1
    if [ -z "${TDISPD_SYSFS_SHIM:-}" ]; then
        TDISPD_SYSFS_SHIM=$BATS_FILE_TMPDIR/sysfs-shim.so
        gcc -shared -fPIC -O2 -o "$TDISPD_SYSFS_SHIM" "$UMOCKDEV_TESTS/sysfs-shim.c" -ldl || return 1
    fi
    [ -f "$TDISPD_SYSFS_SHIM" ] || { echo "umockdev suite: sysfs shim '$TDISPD_SYSFS_SHIM' missing" >&2; return 1; }
    export TDISPD_SYSFS_SHIM
    MODULES_ROOT=$BATS_FILE_TMPDIR/modroot
    "$PYTHON" "$FAKE_KERNEL" build-modules --modules-list "$FIXTURES/modules/modules.list" \
        --modprobe-d "$FIXTURES/modules/modprobe.d" --root "$MODULES_ROOT" --kver "$KVER" >/dev/null || {
        echo "umockdev suite: building the fixture modules directory failed" >&2
        return 1
    }
    MODULES_DIR=$MODULES_ROOT/lib/modules/$KVER
    export MODULES_ROOT MODULES_DIR
}

# ---- per test -----------------------------------------------------------------------------------

umockdev_setup() {
    KSTATE=$BATS_TEST_TMPDIR/k
    CONF=$BATS_TEST_TMPDIR/tdispd.conf
    POLICY=$BATS_TEST_TMPDIR/policy
    RUNDIR=$BATS_TEST_TMPDIR/run
    TDISPD_LOG=$BATS_TEST_TMPDIR/tdispd.log
    mkdir -p "$POLICY" "$RUNDIR"
    KERNEL_PID=
    TDISPD_PID=
    LISTEN_PID=
    printf '[Manager]\nMode=enforce\nDefaultAction=deny\n' >"$CONF"
}

umockdev_teardown() {
    local pid
    verifier_kill_leftovers
    for pid in "$TDISPD_PID" "$LISTEN_PID" "$KERNEL_PID"; do
        [ -n "$pid" ] || continue
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
        dump_logs
    fi
}

dump_logs() {
    local f
    for f in "$TDISPD_LOG" "$KSTATE/writes.log" "$KSTATE/kernel.log" "$KSTATE/notify.log" \
             "$KSTATE/tsm-audit.log" "$KSTATE/verifier.log" "$BATS_TEST_TMPDIR/fake-kernel.stderr"; do
        [ -s "$f" ] || continue
        echo "# ---- ${f#"$BATS_TEST_TMPDIR"/} ----"
        sed 's/^/# /' "$f"
    done
}

# wait_for CMD… — retries CMD until it succeeds or TIMEOUT seconds pass.
wait_for() {
    local deadline=$((SECONDS + TIMEOUT))
    while ! "$@" 2>/dev/null; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.02
    done
}

# output_at_least N CMD… — CMD prints a number that is N or more (for wait_for: CMD runs each time).
output_at_least() {
    local n
    n=$("${@:2}") || return 1
    [ "${n:-0}" -ge "$1" ]
}

# at_least N FILE REGEX — FILE has N or more lines matching REGEX (for wait_for).
at_least() {
    [ "$(grep -c -e "$3" "$2" 2>/dev/null)" -ge "$1" ]
}

# settle — returns once the fake kernel saw no write for a while, for "nothing happens" checks.
settle() {
    local last=-1 now quiet=0 deadline=$((SECONDS + TIMEOUT))
    while [ $quiet -lt 3 ] && [ $SECONDS -lt $deadline ]; do
        now=$(cat "$KSTATE/writes.log" "$KSTATE/kernel.log" 2>/dev/null | wc -c)
        if [ "$now" = "$last" ]; then quiet=$((quiet + 1)); else quiet=0; fi
        last=$now
        sleep 0.1
    done
}

# ---- the fake kernel ----------------------------------------------------------------------------

# kernel_start [TESTBED] — builds the testbed (default.testbed) and starts the fake kernel.
kernel_start() {
    local testbed=${1:-$FIXTURES/umockdev/default.testbed}
    "$PYTHON" "$FAKE_KERNEL" serve --state "$KSTATE" --testbed "$testbed" \
        --modules-list "$FIXTURES/modules/modules.list" 2>"$BATS_TEST_TMPDIR/fake-kernel.stderr" 3>&- &
    KERNEL_PID=$!
    if ! wait_for test -e "$KSTATE/ready"; then
        fail "fake kernel did not start: $(cat "$BATS_TEST_TMPDIR/fake-kernel.stderr")"
    fi
    ROOT=$(cat "$KSTATE/umockdev-dir")
    SYS=$ROOT/sys
    : >>"$KSTATE/writes.log"
}

# kctl VERB ARG… — a request to the fake kernel (plug, unplug, newbus, bind, …; see fake-kernel.py).
kctl() {
    "$PYTHON" "$FAKE_KERNEL" ctl --state "$KSTATE" "$@"
}

# The environment tdispd runs in: umockdev with the sysfs shim in front, the fake kernel's socket,
# and NOTIFY_SOCKET pointing at the fake kernel's notify log.
testbed_env() {
    TESTBED_ENV=(
        UMOCKDEV_DIR="$ROOT"
        LD_PRELOAD="$TDISPD_SYSFS_SHIM $UMOCKDEV_PRELOAD"
        TDISPD_FAKE_KERNEL_SOCKET="$KSTATE/kernel.sock"
        NOTIFY_SOCKET="$KSTATE/notify.sock"
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
    )
}

# in_testbed CMD… — runs CMD (in the foreground) as tdispd runs.
in_testbed() {
    testbed_env
    env "${TESTBED_ENV[@]}" "$@"
}

# listen_start — a uevent listener under the preload, as tdispd's monitor; events go to $EVENTS.
listen_start() {
    EVENTS=$BATS_TEST_TMPDIR/events
    env UMOCKDEV_DIR="$ROOT" LD_PRELOAD="$UMOCKDEV_PRELOAD" "$PYTHON" "$FAKE_KERNEL" listen --out "$EVENTS" 3>&- &
    LISTEN_PID=$!
    wait_for test -e "$EVENTS.ready" || fail "uevent listener did not start"
}

# ---- tdispd -------------------------------------------------------------------------------------

tdispd_args() {
    printf '%s\n' --config="$CONF" --policy-dir="$POLICY" --runtime-dir="$RUNDIR" \
        --modules-dir="$MODULES_DIR" --modprobe-dir="$MODULES_ROOT/etc/modprobe.d" \
        --kernel-cmdline= --log-target=console
}

ready_count() {
    local n
    n=$(grep -c '^READY=1' "$KSTATE/notify.log" 2>/dev/null) || true
    echo "${n:-0}"
}

# tdispd_start [ARG…] — starts tdispd in the background and waits for its READY=1.
tdispd_start() {
    local ready_before
    ready_before=$(ready_count)
    local args
    mapfile -t args < <(tdispd_args)
    testbed_env
    # env execs tdispd: $! is tdispd itself, so that signals reach it
    env "${TESTBED_ENV[@]}" "$TDISPD_BIN" "${args[@]}" "$@" >>"$TDISPD_LOG" 2>&1 3>&- &
    TDISPD_PID=$!
    local deadline=$((SECONDS + TIMEOUT))
    until [ "$(ready_count)" -gt "$ready_before" ]; do
        if ! kill -0 "$TDISPD_PID" 2>/dev/null; then
            wait "$TDISPD_PID"
            fail "tdispd exited with status $? before READY=1"
        fi
        [ $SECONDS -lt $deadline ] || fail "tdispd sent no READY=1 within ${TIMEOUT}s"
        sleep 0.02
    done
}

# tdispd_run [ARG…] — runs tdispd in the foreground (bats `run`: $status, $output).
tdispd_run() {
    local args
    mapfile -t args < <(tdispd_args)
    testbed_env
    run timeout "$((TIMEOUT * 2))" env "${TESTBED_ENV[@]}" "$TDISPD_BIN" "${args[@]}" "$@"
    printf '%s\n' "$output" >>"$TDISPD_LOG"
}

tdispd_running() {
    kill -0 "$TDISPD_PID" 2>/dev/null
}

tdispd_exited() {
    ! kill -0 "$TDISPD_PID" 2>/dev/null
}

# config <<EOF / policy NAME <<EOF — replace tdispd.conf, add a policy file.
config() {
    cat >"$CONF"
}

policy() {
    cat >"$POLICY/$1"
}

# ---- sysfs state --------------------------------------------------------------------------------

# devdir DEV — the device's directory in the testbed (found through /sys/bus/*/devices/).
devdir() {
    local l
    for l in "$SYS"/bus/*/devices/"$1"; do
        [ -e "$l" ] && { readlink -f "$l"; return 0; }
    done
    return 1
}

driver_of() {
    local d
    d=$(devdir "$1") || return 1
    if [ -L "$d/driver" ]; then basename "$(readlink "$d/driver")"; fi
    return 0
}

override_of() {
    local d
    d=$(devdir "$1") && cat "$d/driver_override"
}

autoprobe_of() {
    cat "$SYS/bus/$1/drivers_autoprobe"
}

has_driver() {       # has_driver DEV DRV
    [ "$(driver_of "$1")" = "$2" ]
}

has_no_driver() {    # has_no_driver DEV (the device exists and is unbound)
    devdir "$1" >/dev/null && [ -z "$(driver_of "$1")" ]
}

gone() {
    ! devdir "$1" >/dev/null
}

assert_driver() {
    local seen
    seen=$(driver_of "$1") || fail "device $1 does not exist"
    [ "$seen" = "$2" ] || fail "device $1: expected driver '$2', bound to '${seen:-nothing}'"
}

assert_no_driver() {
    local seen
    seen=$(driver_of "$1") || fail "device $1 does not exist"
    [ -z "$seen" ] || fail "device $1: expected no driver, bound to '$seen'"
}

wait_driver() {
    wait_for has_driver "$1" "$2" || assert_driver "$1" "$2"
}

wait_no_driver() {
    wait_for has_no_driver "$1" || assert_no_driver "$1"
}

assert_override() {
    local seen
    seen=$(override_of "$1") || fail "device $1 has no driver_override"
    [ "$seen" = "$2" ] || fail "device $1: expected driver_override '$2', it shows '$seen'"
}

assert_autoprobe() {
    local seen
    seen=$(autoprobe_of "$1") || fail "bus $1 has no drivers_autoprobe"
    [ "$seen" = "$2" ] || fail "bus $1: expected drivers_autoprobe $2, it shows $seen"
}

# ---- what tdispd wrote (writes.log: PATH<TAB>VALUE<TAB>RESULT, in order) --------------------------

writes() {
    grep -v '^#' "$KSTATE/writes.log" || true
}

written() {          # written PATH [VALUE]
    if [ $# -ge 2 ]; then
        writes | cut -f1,2 | grep -qF -x -e "$1	$2"
    else
        writes | cut -f1 | grep -qF -x -e "$1"
    fi
}

# write_line PATH VALUE — line number (1-based, in writes()) of the first such write, or nothing.
write_line() {
    writes | cut -f1,2 | grep -nF -x -e "$1	$2" | head -n1 | cut -d: -f1
}

assert_written() {
    written "$@" || fail "expected a write of '${2-}' to $1; writes were:
$(writes)"
}

refute_written() {
    local what=${2+"of '$2' "}
    ! written "$@" || fail "expected no write ${what}to $1; writes were:
$(writes)"
}

assert_no_writes() {
    local w
    w=$(writes)
    [ -z "$w" ] || fail "expected no writes to sysfs at all; writes were:
$w"
}

# Nothing in the testbed was changed except through the fake kernel.
assert_no_untracked_writes() {
    run kctl untracked
    [ "$status" -eq 0 ] || fail "files in the fake sysfs changed behind the fake kernel's back:
$output"
}

# The path of a driver's bind/unbind file and of a device attribute, as writes.log shows them.
drvfile() {          # drvfile BUS DRV bind|unbind
    echo "/sys/bus/$1/drivers/$2/$3"
}

devattr() {          # devattr DEV ATTR
    local d
    d=$(devdir "$1") || return 1
    echo "${d#"$ROOT"}/$2"
}

tdispd_log_has() {
    grep -q -e "$1" "$TDISPD_LOG"
}

# state_writes [WHY] — how many times tdispd wrote its state file (--log-level=debug), for WHY only
# if given: "at once", "coalesced", "before READY=1", "topology locked", "at exit".
state_writes() {
    local n
    n=$(grep -c -F "/state.json (${1:-}" "$TDISPD_LOG" 2>/dev/null) || true
    echo "${n:-0}"
}

# ---- TDISP: the TSM, evidence and the relying party (harness/tsm.py, harness/verifier.py) --------

# tdisp_start [ARG…] — tdispd_start reading evidence from the fake kernel's evidence directory.
tdisp_start() {
    tdispd_start --evidence-dir="$KSTATE/evidence" "$@"
}

tsm_attr() {         # tsm_attr DEV lock|accept — what the attribute reads (without the newline)
    local d
    d=$(devdir "$1") || return 1
    cat "$d/tsm/$2"
}

assert_tsm() {       # assert_tsm DEV lock|accept VALUE
    local seen
    seen=$(tsm_attr "$1" "$2") || fail "device $1 has no tsm/$2"
    [ "$seen" = "$3" ] || fail "device $1: expected tsm/$2 to read '$3', it reads '$seen'
$(tsm_audit)"
}

tsm_audit() {
    cat "$KSTATE/tsm-audit.log" 2>/dev/null || true
}

# tsm_count OP DEV [FIELD3] — audit lines of OP (lock, unlock, accept, probe, unbind, error,
# VIOLATION, removed) for DEV, with FIELD3 (ok or an errno name; a driver for probe/unbind) if given.
tsm_count() {
    awk -F'\t' -v op="$1" -v dev="$2" -v f3="${3-}" \
        '$1 == op && $2 == dev && (f3 == "" || $3 == f3)' "$KSTATE/tsm-audit.log" 2>/dev/null | wc -l
}

assert_tsm_count() { # assert_tsm_count N OP DEV [FIELD3]
    local n
    n=$(tsm_count "$2" "$3" "${4-}")
    [ "$n" -eq "$1" ] || fail "expected $1 '$2${4:+ $4}' for $3 in the TSM audit, found $n:
$(tsm_audit)"
}

# No invariant broken at the TSM: no driver bound while locked but not RUN, no lock or accept written
# with a driver bound, no second accept under one lock.
assert_tsm_clean() {
    ! grep -q '^VIOLATION' "$KSTATE/tsm-audit.log" 2>/dev/null || fail "TSM violations:
$(tsm_audit)"
}

# The TDISPD_STATE= values of DEV's state transitions (records with TDISPD_OLD_STATE=), in order.
states_of() {
    grep -F "TDISPD_DEVICE=$1 " "$TDISPD_LOG" 2>/dev/null | grep -F 'TDISPD_OLD_STATE=' |
        sed -n 's/.*TDISPD_STATE=\([a-z-]*\).*/\1/p'
}

has_state() {        # has_state DEV STATE — a transition of DEV into STATE was recorded
    states_of "$1" | grep -qx -e "$2"
}

last_state() {
    states_of "$1" | tail -n1
}

in_state() {         # in_state DEV STATE — DEV's latest transition was into STATE
    [ "$(last_state "$1")" = "$2" ]
}

wait_state() {       # wait_state DEV STATE — until DEV's latest transition is into STATE
    wait_for in_state "$1" "$2" ||
        fail "$1 did not settle in $2; its states were: $(states_of "$1" | tr '\n' ' ')"
}

# assert_states DEV STATE… — DEV went through these states in this order (others may come between).
assert_states() {
    local dev=$1 seq rest want
    shift
    seq=$(states_of "$dev" | tr '\n' ' ')
    rest=" $seq"
    for want in "$@"; do
        case "$rest" in
        *" $want "*) rest=" ${rest#*" $want "}" ;;
        *) fail "$dev: expected the states '$*' in this order; its states were: $seq" ;;
        esac
    done
}

# verifier NAME MODE [ARG…] — writes the exec: verifier $BATS_TEST_TMPDIR/NAME, a script that runs
# harness/verifier.py in MODE, and prints its path.
verifier() {
    local path=$BATS_TEST_TMPDIR/$1
    shift
    {
        echo '#!/bin/sh'
        printf 'exec %q %q --log %q --evidence %q' "$PYTHON" "$UMOCKDEV_TESTS/harness/verifier.py" \
            "$KSTATE/verifier.log" "$KSTATE/evidence"
        printf ' %q' "$@"
        echo
    } >"$path"
    chmod +x "$path"
    echo "$path"
}

verifier_runs() {    # runs of verifier.py that answered
    local n
    n=$(grep -c '"answer"' "$KSTATE/verifier.log" 2>/dev/null) || true
    echo "${n:-0}"
}

verifier_started() { # runs of verifier.py that started
    local n
    n=$(grep -c '"start"' "$KSTATE/verifier.log" 2>/dev/null) || true
    echo "${n:-0}"
}

# tdispd's bundles kept the contract: digests as documented, evidence read after this lock.
assert_verifier_clean() {
    ! grep -q '"problems": \["' "$KSTATE/verifier.log" 2>/dev/null || fail "the verifier found problems:
$(grep '"problems": \["' "$KSTATE/verifier.log")"
}

verifier_pids() {
    sed -n 's/^{"start": \([0-9]*\).*/\1/p' "$KSTATE/verifier.log" 2>/dev/null || true
}

verifier_alive() {   # a run of verifier.py is still going
    local pid
    for pid in $(verifier_pids); do
        grep -qs verifier.py "/proc/$pid/cmdline" && return 0
    done
    return 1
}

verifier_gone() {    # no run of verifier.py is still going (killed or finished)
    ! verifier_alive
}

# Verifier runs that outlived tdispd (kill -9) or the test; only ours, by pid.
verifier_kill_leftovers() {
    local pid
    [ -n "${KSTATE:-}" ] || return 0
    for pid in $(verifier_pids); do
        if grep -qs verifier.py "/proc/$pid/cmdline"; then kill -KILL "$pid" 2>/dev/null || true; fi
    done
    return 0
}

# evidence_digest DEV object TYPE | certificates | evidence — SHA-384 digests exactly as
# tdispd-verifier(7) defines them, computed with hashlib from the fake kernel's evidence files now.
evidence_digest() {
    "$PYTHON" - "$KSTATE/evidence/$1" "$2" "${3-}" <<'PY'
import hashlib, os, sys
d, kind, t = sys.argv[1:4]
types = ["cert%d" % i for i in range(8)] + ["vca", "measurements", "report"]
def data(n):
    p = os.path.join(d, n)
    return open(p, "rb").read() if os.path.exists(p) else None
if kind == "object":
    print("sha384:" + hashlib.sha384(data(t)).hexdigest())
else:
    tag, names = (b"tdispd-certificates-v1", types[:8]) if kind == "certificates" else (b"tdispd-evidence-v1", types)
    h = hashlib.sha384(tag + b"\0")
    for n in names:
        b = data(n)
        if b is not None:
            h.update(n.encode() + b"\0" + len(b).to_bytes(8, "big") + b)
    print("sha384:" + h.hexdigest())
PY
}

# tdisp_conf [KEY=VALUE…] — tdispd.conf for the TDISP suites: enforce, deny by default, plus KEYs.
tdisp_conf() {
    { printf '[Manager]\nMode=enforce\nDefaultAction=deny\n'; printf '%s\n' "$@"; } >"$CONF"
}

# testdev_policy [KEY=VALUE…] — the rule for the pci-testdev TDIs (1b36:0005, TDISP=yes):
# Action=accept plus the given [Policy] keys.
testdev_policy() {
    { printf '[Match]\nVendor=1b36\nDevice=0005\nTDISP=yes\n[Policy]\nAction=accept\n'; printf '%s\n' "$@"; } \
        >"$POLICY/50-testdev.policy"
}

# audit_line REGEX — number of the first line of the TSM audit matching REGEX (nothing if none).
audit_line() {
    grep -n -m1 -E -e "$1" "$KSTATE/tsm-audit.log" 2>/dev/null | cut -d: -f1
}
