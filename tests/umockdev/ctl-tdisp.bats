#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# ctl-tdisp.bats — the relying party's side of tdispctl and the control API (design.md "Relying
# party", Verifier=push): evidence shown and written out, verdicts bound to the digest they name
# (a wrong or stale one refused), approve --all, reject, lock-topology, revalidate. Against the real
# tdispd and the fake kernel's guest TSM; every command in human and JSON output, with the exit
# statuses of tdispctl(1).

load helpers

setup_file() {
    tdispd_setup_file || return 1
    TDISPCTL_BIN=${TDISPCTL_BIN:-$UMOCKDEV_TESTS/../../build/src/ctl/tdispctl}
    if [ ! -x "$TDISPCTL_BIN" ]; then
        echo "ctl-tdisp suite: tdispctl binary not found at '$TDISPCTL_BIN' (set TDISPCTL_BIN, or build it)" >&2
        return 1
    fi
    command -v sha384sum >/dev/null || { echo "ctl-tdisp suite: missing required component: sha384sum" >&2; return 1; }
    export TDISPCTL_BIN
}

setup() {
    umockdev_setup
    kernel_start "$FIXTURES/umockdev/tdisp.testbed"
    kctl modload allow >/dev/null
    SOCKET=$RUNDIR/io.tdispd.Manager
}

teardown() {
    umockdev_teardown
}

TDI=0000:01:00.0
HOT=0000:00:04.0
HOT_NIC=0000:00:05.0
NIC=0000:00:03.0

ctl() {
    "$TDISPCTL_BIN" --socket="$SOCKET" "$@"
}

# json_get EXPR — evaluates a Python expression on the JSON document in $output, bound to "d".
json_get() {
    "$PYTHON" -c 'import json, sys; d = json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' "$1" <<<"$output"
}

# push_start [KEY=VALUE…] — tdispd with Verifier=push (no timeout to speak of), the pci-testdev rule,
# and the TDI waiting for a verdict.
push_start() {
    tdisp_conf Verifier=push VerifierTimeoutSec=1h TopologyLock=manual "$@"
    testdev_policy Driver=pci_testdev_drv OnReject=deny
    tdisp_start
    wait_state $TDI attesting
}

# The digest of DEV's evidence now, as tdispd-verifier(7) defines it (from the fixture files).
digest_of() {
    evidence_digest "$1" evidence
}

# What the API says about DEV: field FIELD of its Device object.
device_field() {
    local out
    out=$(ctl --json=short show "$1") || return 1
    "$PYTHON" -c 'import json, sys; v = json.loads(sys.stdin.read()).get(sys.argv[1]); print(json.dumps(v))' "$2" <<<"$out"
}

@test "evidence: objects with sizes and SHA-384, the digest and nonce; --output-dir files match; --json" {
    push_start
    local digest
    digest=$(digest_of $TDI)

    run ctl evidence $TDI
    assert_success
    assert_line --regexp "^ +Device: $TDI\$"
    assert_line --regexp "^ +Digest: $digest\$"
    assert_line --regexp '^ +Nonce: [0-9a-f]{64}$'
    assert_line --regexp '^TYPE +SIZE +SHA384$'
    local f t size
    for f in "$KSTATE"/evidence/$TDI/*; do
        t=$(basename "$f")
        size=$(stat -c %s "$f")
        assert_line --regexp "^$t +$size +sha384:$(sha384sum "$f" | cut -d' ' -f1)\$"
    done
    assert_line --regexp '^4 objects, [0-9]+ bytes\.$'

    # --output-dir: one file per object, identical to what the TSM holds, plus the digest and nonce
    local out=$BATS_TEST_TMPDIR/evidence
    run ctl evidence $TDI --output-dir="$out"
    assert_success
    assert_line "Wrote 4 objects, evidence-digest and nonce to $out."
    for f in "$KSTATE"/evidence/$TDI/*; do
        t=$(basename "$f")
        cmp "$f" "$out/$t" || fail "$out/$t differs from the evidence the TSM gave"
        assert_line --regexp "^$t +[0-9]+ +sha384:$(sha384sum "$out/$t" | cut -d' ' -f1)\$"
    done
    [ "$(cat "$out/evidence-digest")" = "$digest" ] || fail "evidence-digest: $(cat "$out/evidence-digest")"
    grep -qxE '[0-9a-f]{64}' "$out/nonce" || fail "nonce: $(cat "$out/nonce")"
    [ "$(find "$out" -type f | wc -l)" -eq 6 ] || fail "unexpected files: $(ls "$out")"
    # files are never overwritten unless asked
    run ctl evidence $TDI --output-dir="$out"
    assert_failure 1
    assert_output --partial "exists already; use --force"
    run ctl evidence $TDI --output-dir="$out" --force
    assert_success

    # --json: the GetEvidence reply, data base64
    run ctl --json evidence $TDI
    assert_success
    [ "$(json_get 'd["device"]')" = $TDI ]
    [ "$(json_get 'd["evidence_digest"]')" = "$digest" ]
    [ "$(json_get 'len(d["nonce"])')" = 64 ]
    [ "$(json_get '" ".join(o["type"] for o in d["objects"])')" = "cert0 vca measurements report" ]
    [ "$(json_get '__import__("base64").b64decode([o for o in d["objects"] if o["type"] == "report"][0]["data"]).decode()')" = \
      "$(cat "$KSTATE/evidence/$TDI/report")" ]
    [ "$(json_get '[o for o in d["objects"] if o["type"] == "vca"][0]["sha384"]')" = \
      "sha384:$(sha384sum "$KSTATE/evidence/$TDI/vca" | cut -d' ' -f1)" ]
    run ctl --json evidence $TDI --output-dir="$BATS_TEST_TMPDIR/json-out"
    assert_success
    [ "$(cat "$BATS_TEST_TMPDIR/json-out/evidence-digest")" = "$digest" ]

    # the device as the API shows it: locked, evidence, no verdict yet
    run ctl show $TDI
    assert_success
    assert_line --regexp '^ +State: attesting$'
    assert_line --regexp '^ +Locked: yes$'
    assert_line --regexp "^ +Evidence: $digest\$"
    assert_line --regexp '^ +Verdict: none$'
    assert_line --regexp '^ +Accepted: no$'
    [ "$(device_field $TDI evidence_digest)" = "\"$digest\"" ]
    [ "$(device_field $TDI verdict)" = '"none"' ]
    [ "$(device_field $TDI locked)" = true ]
    [ "$(device_field $TDI accepted)" = false ]
    [ "$(device_field $TDI topology)" = null ]
    [ "$(device_field $NIC verdict)" = null ]

    # list has a verdict column once there are TDISP devices
    run ctl list
    assert_success
    assert_line --regexp '^DEVICE +BUS +IDS +STATE +DRIVER +VERDICT +RULE$'
    assert_line --regexp "^$TDI +pci +1b36:0005 +attesting +- +none +50-testdev\\.policy\$"
    assert_line --regexp "^$NIC +pci +8086:10d3 +[a-z-]+ +[a-z0-9-]+ +- +default\$"

    # no evidence: an unknown device (5), a device that is not TDISP (8)
    run ctl evidence nope
    assert_failure 5
    run ctl evidence $NIC
    assert_failure 8
    assert_output --partial "No evidence of $NIC"
    run ctl --json evidence $NIC
    assert_failure 8
    assert_output --partial '"error":"io.tdispd.Manager.NoEvidence"'
    run ctl evidence
    assert_failure 2
    assert_tsm_count 0 accept $TDI
}

@test "approve: a wrong digest is refused (7) and the device still attests; the right one runs it" {
    push_start
    local digest wrong
    digest=$(digest_of $TDI)
    wrong=sha384:$(printf '0%.0s' $(seq 96))

    run ctl approve $TDI --digest="$wrong"
    assert_failure 7
    assert_output --partial "Refused: $wrong is not the evidence of $TDI read after its current lock (that is $digest)"
    run ctl --json approve $TDI --digest="$wrong"
    assert_failure 7
    assert_output --partial '"error":"io.tdispd.Manager.StaleEvidence"'
    assert_output --partial "\"expected\":\"$digest\""
    # usage errors: no digest, a malformed one, both a device and --all, an option of another command
    run ctl approve $TDI
    assert_failure 2
    assert_output --partial "needs --digest"
    run ctl approve $TDI --digest=sha384:abc
    assert_failure 2
    run ctl approve $TDI --all
    assert_failure 2
    run ctl approve
    assert_failure 2
    run ctl list --digest="$digest"
    assert_failure 2
    run ctl approve nope --digest="$digest"
    assert_failure 5

    # nothing happened: still attesting, never accepted, no driver
    settle
    in_state $TDI attesting || fail "$TDI left attesting: $(states_of $TDI | tr '\n' ' ')"
    [ "$(device_field $TDI state)" = '"attesting"' ]
    [ "$(device_field $TDI verdict)" = '"none"' ]
    assert_tsm_count 0 accept $TDI
    assert_no_driver $TDI

    run ctl approve $TDI --digest="$digest" --reason="golden measurements"
    assert_success
    assert_output "Approved $TDI."
    wait_driver $TDI pci_testdev_drv
    wait_state $TDI running
    assert_tsm $TDI accept 1
    assert_tsm_count 1 accept $TDI ok
    assert_states $TDI locking attesting accepting binding running
    tdispd_log_has "TDISPD_DEVICE=$TDI TDISPD_VERDICT=approve TDISPD_EVIDENCE_DIGEST=$digest TDISPD_REASON=golden measurements" ||
        fail "no verdict record with the digest and reason"
    [ "$(device_field $TDI verdict)" = '"approved"' ]
    [ "$(device_field $TDI accepted)" = true ]

    # approving again: it awaits no verdict (8)
    run ctl approve $TDI --digest="$digest"
    assert_failure 8
    assert_output --partial "$TDI awaits no verdict: it is running"
    run ctl --json approve $TDI --digest="$digest"
    assert_failure 8
    assert_output --partial '"error":"io.tdispd.Manager.NotAwaitingVerdict"'
    assert_tsm_count 1 accept $TDI ok
    assert_tsm_clean
}

@test "approve --json, and the same call through the Varlink socket" {
    push_start
    local digest
    digest=$(digest_of $TDI)
    # the API checks the digest itself too (tdispctl's check aside)
    run sh -c "printf '%s\\0' '{\"method\":\"io.tdispd.Manager.Approve\",\"parameters\":{\"device\":\"$TDI\"}}' |
        socat -t 5 - UNIX-CONNECT:$SOCKET | tr '\\0' '\\n'"
    assert_success
    assert_output --partial '"error":"org.varlink.service.InvalidParameter"'
    assert_output --partial '"parameter":"evidence_digest"'

    run ctl --json approve $TDI --digest="$digest"
    assert_success
    [ "$(json_get 'd["approved"]')" = "['$TDI']" ]
    wait_state $TDI running
    assert_driver $TDI pci_testdev_drv
}

@test "reject: unlocked, never accepted, falls back to OnReject=deny" {
    push_start
    local digest
    digest=$(digest_of $TDI)
    run ctl reject $TDI
    assert_failure 2
    run ctl reject $TDI --digest="sha384:$(printf 'f%.0s' $(seq 96))"
    assert_failure 7

    run ctl --json reject $TDI --digest="$digest" --reason="unknown firmware"
    assert_success
    assert_output '{}'
    wait_state $TDI denied
    assert_no_driver $TDI
    assert_tsm $TDI lock ""
    assert_tsm_count 0 accept $TDI
    assert_states $TDI locking attesting unlocking denied
    run ctl --json show $TDI
    assert_success
    assert_equal "$(jq -r '[.verdict, .locked, .accepted, .evidence_digest] | map(tostring) | join(" ")' <<< "$output")" \
        "rejected false false null"
    tdispd_log_has "TDISPD_DEVICE=$TDI .*TDISPD_STATE=denied.*TDISPD_REASON=rejected by the relying party: unknown firmware" ||
        fail "no denied record with the reason"
    run ctl reject $TDI --digest="$digest"
    assert_failure 8
    assert_output --partial "it is denied"
    assert_tsm_clean
}

@test "reject in human output" {
    push_start
    run ctl reject $TDI --digest="$(digest_of $TDI)"
    assert_success
    assert_output "Rejected $TDI."
    wait_state $TDI denied
    assert_no_driver $TDI
}

@test "approve --all: every device awaiting a verdict, each on its current digest" {
    push_start
    kctl plug hot-testdev >/dev/null
    wait_state $HOT attesting

    run ctl approve --all --digest="$(digest_of $TDI)"
    assert_failure 2
    run ctl approve --all --reason="operator checked both with tdispctl evidence"
    assert_success
    assert_line "Approved $HOT."
    assert_line "Approved $TDI."
    wait_state $TDI running
    wait_state $HOT running
    assert_driver $TDI pci_testdev_drv
    assert_driver $HOT pci_testdev_drv
    assert_tsm_count 1 accept $TDI ok
    assert_tsm_count 1 accept $HOT ok

    # nothing left to approve
    run ctl --json approve --all
    assert_success
    [ "$(json_get 'd["approved"]')" = "[]" ]
    run ctl approve --all
    assert_success
    assert_output "No device awaits a verdict."
    assert_tsm_clean
}

@test "lock-topology: a device hot-added afterwards gets no driver and no lock; a second lock exits 8" {
    push_start
    # an ordinary NIC that policy would allow, to show that the lock is what keeps it out
    policy 40-nic.policy <<EOF
[Match]
Vendor=8086
Device=10d3

[Policy]
Action=shared
Driver=e1000e
EOF
    run ctl reload
    assert_success
    run ctl status
    assert_line --regexp '^ +Topology: not locked$'

    run ctl --json lock-topology
    assert_success
    [ "$(json_get 'd["devices"]')" -ge 5 ]
    wait_for tdispd_log_has "Device topology locked" || fail "no topology-locked record"
    run ctl status
    assert_line --regexp '^ +Topology: locked$'
    run ctl --json status
    [ "$(json_get 'd["topology_locked"]')" = True ]
    [ "$(device_field $TDI topology)" = '"in-snapshot"' ]

    run ctl lock-topology
    assert_failure 8
    assert_output "The device topology is locked already."
    run ctl --json lock-topology
    assert_failure 8
    assert_output --partial '"error":"io.tdispd.Manager.TopologyAlreadyLocked"'

    kctl plug hot-testdev >/dev/null
    kctl plug hot-nic >/dev/null
    wait_for tdispd_log_has "Topology violation: device $HOT appeared" || fail "no violation record for $HOT"
    wait_for tdispd_log_has "Topology violation: device $HOT_NIC appeared" || fail "no violation record for $HOT_NIC"
    settle
    assert_no_driver $HOT
    assert_no_driver $HOT_NIC
    refute_written "$(devattr $HOT tsm/lock)"
    [ "$(device_field $HOT topology)" = '"intruder"' ]
    [ "$(device_field $HOT_NIC topology)" = '"intruder"' ]
    run ctl show $HOT
    assert_line --regexp '^ +Topology: intruder$'
    run ctl evidence $HOT
    assert_failure 8

    # the device that was there goes on to run once approved
    run ctl approve $TDI --digest="$(digest_of $TDI)"
    assert_success
    wait_state $TDI running
    assert_tsm_clean
}

@test "lock-topology in human output, and approve --lock-topology with TopologyLock=on-approval" {
    push_start TopologyLock=on-approval
    run ctl approve $TDI --digest="$(digest_of $TDI)" --lock-topology
    assert_success
    wait_state $TDI running
    wait_for tdispd_log_has "Device topology locked" || fail "approve --lock-topology did not lock the topology"
    run ctl lock-topology
    assert_failure 8
}

@test "lock-topology: the human message" {
    push_start
    run ctl lock-topology
    assert_success
    assert_output --regexp '^Locked the device topology: [0-9]+ devices in the snapshot; a device that appears from now on gets no driver\.$'
}

@test "revalidate: a running device goes round again (locked twice); the old digest is stale then" {
    push_start
    local first second
    first=$(digest_of $TDI)
    run ctl approve $TDI --digest="$first"
    assert_success
    wait_state $TDI running
    assert_tsm_count 1 lock $TDI ok

    run ctl revalidate $TDI
    assert_success
    assert_output --partial "Revalidating $TDI"
    wait_for output_at_least 2 tsm_count lock $TDI ok || fail "not locked a second time: $(tsm_audit)"
    wait_state $TDI attesting
    assert_no_driver $TDI
    second=$(digest_of $TDI)
    [ "$first" != "$second" ] || fail "the evidence of the second lock has the same digest"
    run ctl --json evidence $TDI
    [ "$(json_get 'd["evidence_digest"]')" = "$second" ]

    # a verdict on the evidence of the first lock is stale
    run ctl approve $TDI --digest="$first"
    assert_failure 7
    assert_output --partial "(that is $second)"
    assert_tsm_count 1 accept $TDI ok

    run ctl approve $TDI --digest="$second"
    assert_success
    wait_state $TDI running
    assert_driver $TDI pci_testdev_drv
    assert_tsm_count 2 lock $TDI ok
    assert_tsm_count 2 accept $TDI ok
    assert_states $TDI running unlocking locking attesting accepting binding running

    # --json, and a device that is not TDISP (8)
    run ctl --json revalidate $TDI
    assert_success
    assert_output '{}'
    wait_for output_at_least 3 tsm_count lock $TDI ok || fail "not locked a third time"
    run ctl revalidate $NIC
    assert_failure 8
    assert_output --partial "$NIC is not accepted as a TDISP device"
    run ctl --json revalidate $NIC
    assert_failure 8
    assert_output --partial '"error":"io.tdispd.Manager.NotTdisp"'
    run ctl revalidate nope
    assert_failure 5
    assert_tsm_clean
}

@test "the example push agent (push-agent.sh): evidence out, the verify command's verdict back on its digest" {
    command -v jq >/dev/null || fail "missing required component: jq (push-agent.sh reads tdispctl's JSON)"
    push_start
    kctl plug hot-testdev >/dev/null
    wait_state $HOT attesting
    # the "remote verifier": approves the device at 01:00.0 by its measurements, rejects the rest
    local verify=$BATS_TEST_TMPDIR/verify
    cat >"$verify" <<VERIFY
#!/bin/sh
dir=\$2
if grep -q 'MEASUREMENTS of $TDI' "\$dir/measurements"; then echo "measurements in the golden set"; exit 0; fi
echo "unknown device"
exit 1
VERIFY
    chmod +x "$verify"
    run env TDISPCTL="$TDISPCTL_BIN --socket=$SOCKET" "$UMOCKDEV_TESTS/../../conf/examples/push-agent.sh" --once "$verify"
    assert_success
    assert_output --partial "$TDI: approved evidence $(digest_of $TDI)"
    assert_output --partial "$HOT: rejected evidence"
    wait_state $TDI running
    wait_state $HOT denied
    assert_driver $TDI pci_testdev_drv
    assert_no_driver $HOT
    tdispd_log_has "TDISPD_DEVICE=$TDI TDISPD_VERDICT=approve .*TDISPD_REASON=measurements in the golden set" ||
        fail "no approval with the verify command's reason"
    tdispd_log_has "TDISPD_DEVICE=$HOT TDISPD_VERDICT=reject .*TDISPD_REASON=unknown device" ||
        fail "no reject with the verify command's reason"
    # nothing left: another round does nothing
    run env TDISPCTL="$TDISPCTL_BIN --socket=$SOCKET" "$UMOCKDEV_TESTS/../../conf/examples/push-agent.sh" --once "$verify"
    assert_success
    assert_output ""
    assert_tsm_count 1 accept $TDI ok
    assert_tsm_count 0 accept $HOT
    assert_tsm_clean
}
