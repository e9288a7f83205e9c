#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# ctl.bats — tdispctl against the real tdispd: every command in human and JSON output, the exit
# statuses of tdispctl(1), a client of another user refused, and hostile clients (garbage, a 10 MiB
# message, a disconnect mid-call) that leave the daemon and a running monitor undisturbed.

load helpers

setup_file() {
    tdispd_setup_file || return 1
    TDISPCTL_BIN=${TDISPCTL_BIN:-$UMOCKDEV_TESTS/../../build/src/ctl/tdispctl}
    if [ ! -x "$TDISPCTL_BIN" ]; then
        echo "ctl suite: tdispctl binary not found at '$TDISPCTL_BIN' (set TDISPCTL_BIN, or build it)" >&2
        return 1
    fi
    local c
    for c in socat setpriv; do
        command -v "$c" >/dev/null || { echo "ctl suite: missing required component: $c" >&2; return 1; }
    done
    export TDISPCTL_BIN
}

setup() {
    umockdev_setup
    kernel_start
    policy 50-e1000e.policy <<EOF
[Match]
Bus=pci
Vendor=0x8086
Device=0x10d3

[Policy]
Action=shared
Driver=e1000e
EOF
    tdispd_start
    SOCKET=$RUNDIR/io.tdispd.Manager
    MONITOR_PID=
}

teardown() {
    if [ -n "$MONITOR_PID" ]; then
        kill -KILL "$MONITOR_PID" 2>/dev/null || true
        wait "$MONITOR_PID" 2>/dev/null || true
    fi
    umockdev_teardown
}

# ctl ARG… — tdispctl against this test's daemon (bats `run` it for $status and $output).
ctl() {
    "$TDISPCTL_BIN" --socket="$SOCKET" "$@"
}

# ctl_testbed ARG… — the same, seeing the fake /sys (show by /sys path, generate-policy --offline).
ctl_testbed() {
    in_testbed "$TDISPCTL_BIN" --socket="$SOCKET" "$@"
}

# json_get EXPR — evaluates a Python expression on the JSON document in $output, bound to "d".
json_get() {
    "$PYTHON" -c 'import json, sys; d = json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' "$1" <<<"$output"
}

# monitor_start [ARG…] — tdispctl monitor in the background, until its subscription is confirmed.
monitor_start() {
    MONITOR_OUT=$BATS_TEST_TMPDIR/monitor.out
    MONITOR_ERR=$BATS_TEST_TMPDIR/monitor.err
    # not through ctl(): $! must be tdispctl itself, so that signals reach it
    "$TDISPCTL_BIN" --socket="$SOCKET" monitor "$@" >"$MONITOR_OUT" 2>"$MONITOR_ERR" 3>&- &
    MONITOR_PID=$!
    wait_for grep -q Monitoring "$MONITOR_ERR" || fail "monitor did not subscribe: $(cat "$MONITOR_ERR")"
}

# monitor_stop SIGNAL — stops the monitor with SIGNAL; it must exit 0.
monitor_stop() {
    local rc=0
    kill -"$1" "$MONITOR_PID"
    wait "$MONITOR_PID" || rc=$?
    MONITOR_PID=
    [ "$rc" -eq 0 ] || fail "tdispctl monitor exited with status $rc on SIG$1"
}

# A policy change that makes tdispd decide every device again: records for the monitor.
add_virtio_policy() {
    policy 60-virtio.policy <<EOF
[Match]
Bus=pci
Vendor=0x1af4

[Policy]
Action=shared
EOF
}

@test "list: a table of every device, or a JSON array of Device objects" {
    run ctl list
    assert_success
    assert_line --regexp '^DEVICE +BUS +IDS +STATE +DRIVER +RULE$'
    assert_line --regexp '^0000:00:03\.0 +pci +8086:10d3 +bound +e1000e +50-e1000e\.policy$'
    assert_line --regexp '^0000:00:00\.0 +pci +8086:29c0 +denied +- +default$'
    assert_line --regexp '^[0-9]+ devices\.$'
    # not a terminal: no colour
    refute_output --partial $'\033['

    run ctl --no-legend list
    assert_success
    refute_line --regexp '^DEVICE'
    refute_line --regexp 'devices\.$'

    run ctl --json list
    assert_success
    [ "$(json_get 'len(d)')" -gt 5 ]
    [ "$(json_get '[x for x in d if x["name"] == "0000:00:03.0"][0]["driver"]')" = e1000e ]
    [ "$(json_get '[x for x in d if x["name"] == "0000:00:03.0"][0]["ids"]["vendor"]')" = 32902 ]
    [ "$(json_get 'd == sorted(d, key=lambda x: x["syspath"])')" = True ]
    local n
    n=$(json_get 'len(d)')
    run ctl --json=short status
    assert_success
    [ "$(json_get 'd["devices"]')" = "$n" ]
}

@test "status: mode, counts per state, rules and paths" {
    run ctl status
    assert_success
    assert_line --regexp '^ +Mode: enforce$'
    assert_line --regexp '^ +Ready: yes$'
    assert_line --regexp '^ +Devices: [0-9]+ \(.*bound.*\)$'
    assert_line --regexp '^ +Rules: 1 \(DefaultAction=deny\)$'
    assert_line --regexp "^ +Config: $CONF\$"
    assert_line --regexp "^ +Policy: $POLICY\$"

    run ctl --json status
    assert_success
    [ "$(json_get 'd["mode"]')" = enforce ]
    [ "$(json_get 'd["ready"]')" = True ]
    [ "$(json_get 'd["rules"]')" = 1 ]
    [ "$(json_get 'd["config_file"]')" = "$CONF" ]
    [ "$(json_get 'd["policy_dirs"]')" = "['$POLICY']" ]
    [ "$(json_get 'd["runtime_dir"]')" = "$RUNDIR" ]
    [ "$(json_get 'sum(d["states"].values()) == d["devices"]')" = True ]
}

@test "show: by name, by syspath, by /sys/bus link; an unknown device exits 5" {
    run ctl show 0000:00:03.0
    assert_success
    assert_line '0000:00:03.0'
    assert_line --regexp '^ +Syspath: /sys/devices/pci0000:00/0000:00:03\.0$'
    assert_line --regexp '^ +State: bound$'
    assert_line --regexp '^ +Driver: e1000e \(module e1000e\)$'
    assert_line --regexp "^ +Rule: $POLICY/50-e1000e\\.policy\$"
    assert_line --regexp '^ +IDs: vendor 0x8086 device 0x10d3 subsystem 0x8086:0xa01f class 0x020000$'

    run ctl --json show /sys/devices/pci0000:00/0000:00:03.0
    assert_success
    [ "$(json_get 'd["name"]')" = 0000:00:03.0 ]
    [ "$(json_get 'd["action"]')" = shared ]

    run ctl_testbed --json=short show /sys/bus/pci/devices/0000:00:03.0
    assert_success
    [ "$(json_get 'd["state"]')" = bound ]

    run ctl show 0000:99:99.9
    assert_equal "$status" 5
    assert_output --partial "no device '0000:99:99.9'"

    run ctl --json show nonexistent
    assert_equal "$status" 5
    assert_output --partial '"error":"io.tdispd.Manager.NoSuchDevice"'

    run ctl show
    assert_equal "$status" 2
    run ctl show a b
    assert_equal "$status" 2
}

@test "monitor: one line per record as it happens, exit 0 on SIGINT" {
    monitor_start
    add_virtio_policy
    run ctl reload
    assert_success
    assert_output 'Reloaded: Mode=enforce, 2 policy rules.'
    wait_for grep -q '0000:00:02.0: decided shared (rule 60-virtio.policy)' "$MONITOR_OUT" ||
        fail "monitor saw: $(cat "$MONITOR_OUT")"
    wait_for grep -q -E '0000:00:02\.0: [a-z-]+ → [a-z-]+' "$MONITOR_OUT" ||
        fail "no transition in: $(cat "$MONITOR_OUT")"

    monitor_stop INT
}

@test "monitor --json: one JSON record per line" {
    monitor_start --json
    kctl plug hot-nic
    wait_for grep -q '"type":"decision","timestamp":[0-9]*,"device":"0000:00:08.0"' "$MONITOR_OUT" ||
        fail "monitor saw: $(cat "$MONITOR_OUT")"
    kctl unplug hot-nic
    wait_for grep -q '"type":"removed".*"device":"0000:00:08.0"' "$MONITOR_OUT" ||
        fail "monitor saw: $(cat "$MONITOR_OUT")"
    run "$PYTHON" -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' "$MONITOR_OUT"
    assert_success

    monitor_stop TERM
}

@test "reload: a broken policy is refused with file:line, exit 6, and the running one stays" {
    policy 70-broken.policy <<EOF
[Match]
Bus=pci

[Policy]
Action=maybe
EOF
    run ctl reload
    assert_equal "$status" 6
    assert_output --partial "$POLICY/70-broken.policy:5"
    assert_output --partial 'stays in force'

    run ctl --json=short reload
    assert_equal "$status" 6
    assert_line --partial '"error":"io.tdispd.Manager.ReloadFailed"'
    assert_line --partial "\"file\":\"$POLICY/70-broken.policy\""
    assert_line --partial '"line":5'

    run ctl --json status
    [ "$(json_get 'd["rules"]')" = 1 ]
    tdispd_log_has 'Reload refused'
    assert_driver 0000:00:03.0 e1000e

    rm "$POLICY/70-broken.policy"
    add_virtio_policy
    run ctl --json reload
    assert_success
    [ "$(json_get 'd["rules"]')" = 2 ]
}

@test "check-config: works without a daemon, names file:line, exits 6 when invalid" {
    kill -TERM "$TDISPD_PID"
    wait_for tdispd_exited

    run "$TDISPCTL_BIN" check-config --config="$CONF" --policy-dir="$POLICY" --kernel-cmdline=
    assert_success
    assert_line 'Configuration is valid: Mode=enforce, DefaultAction=deny, 1 policy rule.'
    assert_line "  $POLICY/50-e1000e.policy: Action=shared"

    run "$TDISPCTL_BIN" --json check-config --config="$CONF" --policy-dir="$POLICY" --kernel-cmdline=tdispd.mode=audit
    assert_success
    [ "$(json_get 'd["valid"]')" = True ]
    [ "$(json_get 'd["mode"]')" = audit ]
    [ "$(json_get 'd["mode_from_kernel_cmdline"]')" = True ]
    [ "$(json_get 'd["rules"][0]["action"]')" = shared ]

    printf '[Manager]\nMode=enforce\nBogus=1\n' >"$CONF"
    run "$TDISPCTL_BIN" check-config --config="$CONF" --policy-dir="$POLICY" --kernel-cmdline=
    assert_equal "$status" 6
    assert_output --partial "$CONF:3"
    run "$TDISPCTL_BIN" --json check-config --config="$CONF" --policy-dir="$POLICY" --kernel-cmdline=
    assert_equal "$status" 6
    assert_line --partial '"valid":false'

    # config options belong to check-config
    run "$TDISPCTL_BIN" --config="$CONF" status
    assert_equal "$status" 2
}

@test "generate-policy: drafts from the daemon and from /sys that pass check-config" {
    local drafts=$BATS_TEST_TMPDIR/drafts
    run ctl generate-policy
    assert_success
    assert_line '### 50-pci-8086-10d3.policy'
    assert_line 'Driver=e1000e'

    run ctl generate-policy --output-dir="$drafts"
    assert_success
    assert_line --regexp "^Wrote $drafts/50-pci-8086-10d3\\.policy \\(2 devices\\)\\.\$"
    # every device the daemon tracks is covered by exactly one draft, and they all parse
    run "$TDISPCTL_BIN" check-config --config="$CONF" --policy-dir="$drafts" --kernel-cmdline=
    assert_success
    grep -q '^Action=deny$' "$drafts/50-pci-8086-29c0.policy"

    # not overwritten without --force
    run ctl generate-policy --output-dir="$drafts"
    assert_failure
    assert_output --partial 'use --force'
    run ctl --json=short generate-policy --output-dir="$drafts" --force
    assert_success
    [ "$(json_get 'len(d) > 3')" = True ]

    run ctl --json generate-policy --bus=virtio
    assert_success
    [ "$(json_get 'sorted(set(x["name"].split("-")[1] for x in d))')" = "['virtio']" ]

    # without the daemon, from the (fake) /sys: the same drafts for the same devices
    run ctl_testbed --json=short generate-policy --offline --bus=pci
    assert_success
    [ "$(json_get 'sorted([x["devices"] for x in d if x["name"] == "50-pci-8086-10d3.policy"][0])')" = \
        "['0000:00:03.0', '0000:01:00.0']" ]
}

@test "exit 3 when tdispd is not running, 2 for usage errors" {
    run "$TDISPCTL_BIN" --socket="$BATS_TEST_TMPDIR/nothing-here" status
    assert_equal "$status" 3
    assert_output --partial 'tdispd is not running'

    kill -TERM "$TDISPD_PID"
    wait_for tdispd_exited
    # the socket goes with the daemon
    [ ! -e "$SOCKET" ]
    run ctl list
    assert_equal "$status" 3

    run "$TDISPCTL_BIN" frobnicate
    assert_equal "$status" 2
    run "$TDISPCTL_BIN" --json=loud status
    assert_equal "$status" 2
    run "$TDISPCTL_BIN" --offline status
    assert_equal "$status" 2
}

@test "another user is refused: by the socket's mode, and by its credentials" {
    local nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    stat -c %a "$SOCKET" | grep -qx 600

    run "${nobody[@]}" "$TDISPCTL_BIN" --socket="$SOCKET" status
    assert_equal "$status" 4
    assert_output --partial 'Permission denied'

    # Even with the mode opened up (and the way to it), tdispd checks who is calling.
    local d=$RUNDIR
    while [ "$d" != / ]; do chmod o+x "$d"; d=$(dirname "$d"); done
    chmod 0666 "$SOCKET"
    run "${nobody[@]}" "$TDISPCTL_BIN" --socket="$SOCKET" status
    assert_equal "$status" 4
    assert_output --partial 'root only'
    tdispd_log_has 'Refusing API calls from pid [0-9]* (uid 65534)'
    chmod 0600 "$SOCKET"
}

@test "the Varlink protocol as varlinkctl speaks it (through socat)" {
    run bash -c "printf '{\"method\":\"org.varlink.service.GetInfo\"}\\0' | socat -t 5 - UNIX-CONNECT:'$SOCKET' | tr -d '\\0'"
    assert_success
    assert_output --partial '"product":"tdispd"'
    assert_output --partial '"interfaces":["org.varlink.service","io.tdispd.Manager"]'

    run bash -c "printf '{\"method\":\"org.varlink.service.GetInterfaceDescription\",\"parameters\":{\"interface\":\"io.tdispd.Manager\"}}\\0' |
                 socat -t 5 - UNIX-CONNECT:'$SOCKET' | tr -d '\\0'"
    assert_success
    assert_output --partial 'interface io.tdispd.Manager'
    assert_output --partial 'method ListDevices() -> (devices: []Device)'

    run bash -c "printf '{\"method\":\"io.tdispd.Manager.GetDevice\",\"parameters\":{\"device\":7}}\\0' |
                 socat -t 5 - UNIX-CONNECT:'$SOCKET' | tr -d '\\0'"
    assert_output '{"error":"org.varlink.service.InvalidParameter","parameters":{"parameter":"device"}}'
}

@test "hostile clients: garbage, 10 MiB, a disconnect mid-call — the daemon and a monitor carry on" {
    monitor_start

    # garbage: the daemon hangs up
    run bash -c "printf 'garbage\\0' | socat -t 5 - UNIX-CONNECT:'$SOCKET'"
    assert_output ''
    # 10 MiB without a terminator: cut off long before the end
    run timeout 20 bash -c "head -c 10485760 /dev/zero | tr '\\0' x | socat -u - UNIX-CONNECT:'$SOCKET'"
    [ "$status" -ne 124 ] || fail "the 10 MiB message was not cut off"
    # a call cut off in the middle, and a call whose caller is gone before the reply
    run bash -c "printf '{\"method\":\"io.tdispd.Manager.GetSt' | socat -u - UNIX-CONNECT:'$SOCKET'"
    run bash -c "printf '{\"method\":\"io.tdispd.Manager.ListDevices\"}\\0' | socat -u - UNIX-CONNECT:'$SOCKET'"

    tdispd_running
    run ctl status
    assert_success
    add_virtio_policy
    run ctl reload
    assert_success
    wait_for grep -q 'decided shared (rule 60-virtio.policy)' "$MONITOR_OUT" ||
        fail "the monitor stopped receiving: $(cat "$MONITOR_OUT" "$MONITOR_ERR")"
    tdispd_running
}
