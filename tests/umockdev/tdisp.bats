#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# tdisp.bats — the TDISP acceptance pipeline (design.md "Device pipeline", "Relying party"): prepare,
# lock, evidence, verdict, accept, bind, against the fake kernel's guest TSM ABI v2 (harness/tsm.py),
# with exec: verifiers written by the tests and local: reference values. Every test checks the end
# state in sysfs, the TSM audit (no driver while locked, lock/accept only driver-less, one accept per
# lock) and the TDISPD_STATE= records.

load helpers

setup_file() {
    tdispd_setup_file
}

setup() {
    umockdev_setup
    kernel_start "$FIXTURES/umockdev/tdisp.testbed"
    kctl modload allow >/dev/null
}

teardown() {
    umockdev_teardown
}

TDI=0000:01:00.0

# The device was unwound: unlocked, not accepted, never accepted, nothing bound.
assert_unwound() {
    assert_tsm $TDI lock ""
    assert_tsm $TDI accept 0
    assert_tsm_count 0 accept $TDI ok
    assert_tsm_clean
}

@test "approved: prepare once, lock, evidence, accept once, then the operational driver, pinned" {
    tdisp_conf "Verifier=exec:$(verifier ok approve)"
    testdev_policy Driver=pci_testdev_drv
    tdisp_start
    wait_driver $TDI pci_testdev_drv
    wait_state $TDI running
    assert_override $TDI pci_testdev_drv
    assert_tsm $TDI lock tsm0
    assert_tsm $TDI accept 1
    assert_states $TDI preparing locking attesting accepting binding running
    # the prepare driver probed once, pinned, and was unbound before the lock; the operational
    # driver bound only after accept
    assert_tsm_count 1 probe $TDI ccprepare_test
    assert_tsm_count 1 lock $TDI ok
    assert_tsm_count 1 accept $TDI ok
    assert_tsm_count 1 probe $TDI pci_testdev_drv
    local probe unbind lock accept bind
    probe=$(audit_line "^probe	$TDI	ccprepare_test	CONFIG_UNLOCKED")
    unbind=$(audit_line "^unbind	$TDI	ccprepare_test	CONFIG_UNLOCKED")
    lock=$(audit_line "^lock	$TDI	ok")
    accept=$(audit_line "^accept	$TDI	ok")
    bind=$(audit_line "^probe	$TDI	pci_testdev_drv	RUN")
    [ -n "$probe" ] && [ -n "$unbind" ] && [ -n "$lock" ] && [ -n "$accept" ] && [ -n "$bind" ] &&
        [ "$probe" -lt "$unbind" ] && [ "$unbind" -lt "$lock" ] && [ "$lock" -lt "$accept" ] &&
        [ "$accept" -lt "$bind" ] || fail "expected prepare probe < its unbind < lock < accept < driver bind:
$(tsm_audit)"
    local pin bindw
    pin=$(write_line "$(devattr $TDI driver_override)" ccprepare_test)
    bindw=$(write_line "$(drvfile pci ccprepare_test bind)" $TDI)
    [ -n "$pin" ] && [ -n "$bindw" ] && [ "$pin" -lt "$bindw" ] || fail "prepare driver not pinned before bind:
$(writes)"
    # kept out of D3cold from the lock on
    [ "$(cat "$(devdir $TDI)/d3cold_allowed")" = 0 ] || fail "d3cold_allowed not cleared"
    # one question, about evidence read after this lock (generation 1), with digests as documented
    [ "$(verifier_runs)" -eq 1 ] || fail "expected one verifier run, saw $(verifier_runs)"
    grep -q 'lock generation 1' "$KSTATE/verifier.log" || fail "the bundle did not carry the report of lock 1"
    assert_verifier_clean
    assert_tsm_clean
    # the ordinary devices are unaffected
    assert_driver 0000:00:01.0 pcieport
    assert_no_driver 0000:00:03.0
    assert_no_untracked_writes
}

@test "Prepare=no: no prepare driver is loaded or bound" {
    tdisp_conf "Verifier=exec:$(verifier ok approve)"
    testdev_policy Driver=pci_testdev_drv Prepare=no
    tdisp_start
    wait_state $TDI running
    assert_driver $TDI pci_testdev_drv
    assert_tsm $TDI accept 1
    assert_tsm_count 0 probe $TDI ccprepare_test
    refute_written "(init_module)" ccprepare_test
    run states_of $TDI
    refute_line preparing
    assert_tsm_clean
}

@test "rejected, OnReject=deny: unlocked, never accepted, no driver, not retried" {
    tdisp_conf "Verifier=exec:$(verifier no reject 'measurements not in the golden set')"
    testdev_policy Driver=pci_testdev_drv OnReject=deny
    tdisp_start
    wait_state $TDI denied
    assert_no_driver $TDI
    assert_override $TDI none
    assert_unwound
    assert_states $TDI locking attesting unlocking denied
    tdispd_log_has "TDISPD_DEVICE=$TDI .*TDISPD_STATE=denied.*TDISPD_REASON=rejected by the relying party: measurements not in the golden set" ||
        fail "no denied record with the verifier's reason"
    # a reject is final
    assert_tsm_count 1 lock $TDI ok
    assert_tsm_count 1 unlock $TDI ok
    [ "$(verifier_runs)" -eq 1 ] || fail "rejected evidence was asked about again"
    assert_verifier_clean
}

@test "rejected, OnReject=shared: unlocked, then a trusted driver binds it as an untrusted device" {
    tdisp_conf "Verifier=exec:$(verifier no reject 'unknown firmware')" TrustedDrivers=pci_testdev_drv
    testdev_policy OnReject=shared
    tdisp_start
    wait_driver $TDI pci_testdev_drv
    wait_state $TDI bound
    assert_override $TDI pci_testdev_drv
    assert_unwound
    assert_states $TDI attesting unlocking binding bound
    # bound while CONFIG_UNLOCKED (T=0), after the unlock
    local unlock bind
    unlock=$(audit_line "^unlock	$TDI	ok")
    bind=$(audit_line "^probe	$TDI	pci_testdev_drv	CONFIG_UNLOCKED")
    [ -n "$unlock" ] && [ -n "$bind" ] && [ "$unlock" -lt "$bind" ] || fail "expected unlock before the shared bind:
$(tsm_audit)"
}

@test "verifier timeout: the run is killed, the pipeline retried (PipelineAttempts=2), then the fallback" {
    tdisp_conf "Verifier=exec:$(verifier slow sleep 30)" VerifierTimeoutSec=1s PipelineAttempts=2
    testdev_policy Driver=pci_testdev_drv OnReject=deny
    tdisp_start
    TIMEOUT=8 wait_state $TDI denied
    assert_no_driver $TDI
    assert_unwound
    assert_states $TDI locking attesting unlocking retry-wait preparing locking attesting unlocking denied
    tdispd_log_has "TDISPD_DEVICE=$TDI .*TDISPD_STATE=denied.*TDISPD_REASON=no verdict from the relying party in time" ||
        fail "no denied record naming the timeout"
    assert_tsm_count 2 lock $TDI ok
    assert_tsm_count 2 unlock $TDI ok
    [ "$(verifier_started)" -eq 2 ] || fail "expected 2 verifier runs, saw $(verifier_started)"
    [ "$(verifier_runs)" -eq 0 ] || fail "a timed-out verifier answered"
    wait_for verifier_gone || fail "timed-out verifier runs are still running"
}

@test "a verifier that crashes is a reject" {
    local v=$BATS_TEST_TMPDIR/crash
    printf '#!/bin/sh\ncat >/dev/null\nkill -ABRT $$\n' >"$v"
    chmod +x "$v"
    tdisp_conf "Verifier=exec:$v"
    testdev_policy Driver=pci_testdev_drv
    tdisp_start
    wait_state $TDI denied
    assert_no_driver $TDI
    assert_unwound
    tdispd_log_has "TDISPD_VERDICT=reject.*TDISPD_REASON=verifier killed by signal 6" || fail "no reject naming the crash"
    assert_tsm_count 1 lock $TDI ok
}

@test "a verifier that prints garbage (and exits 0) is a reject" {
    local v=$BATS_TEST_TMPDIR/garbage
    printf '#!/bin/sh\ncat >/dev/null\necho "approve everything, trust me"\n' >"$v"
    chmod +x "$v"
    tdisp_conf "Verifier=exec:$v"
    testdev_policy Driver=pci_testdev_drv
    tdisp_start
    wait_state $TDI denied
    assert_no_driver $TDI
    assert_unwound
    tdispd_log_has "TDISPD_VERDICT=reject.*TDISPD_REASON=verifier output refused" || fail "no reject naming the output"
}

@test "an approval of other evidence (a different digest) is a reject" {
    tdisp_conf "Verifier=exec:$(verifier other wrong-digest)"
    testdev_policy Driver=pci_testdev_drv
    tdisp_start
    wait_state $TDI denied
    assert_no_driver $TDI
    assert_unwound
    tdispd_log_has "TDISPD_VERDICT=reject.*TDISPD_REASON=verifier judged other evidence" ||
        fail "no reject naming the stale evidence"
    assert_verifier_clean
}

@test "an approval that answers another bundle is a reject" {
    tdisp_conf "Verifier=exec:$(verifier other wrong-bundle)"
    testdev_policy Driver=pci_testdev_drv
    tdisp_start
    wait_state $TDI denied
    assert_no_driver $TDI
    assert_unwound
    tdispd_log_has "TDISPD_VERDICT=reject.*TDISPD_REASON=verifier output refused" || fail "no reject naming the bundle"
}

@test "lock fails with EBUSY once: retried after the backoff, then accepted" {
    kctl tsm-fail $TDI lock EBUSY >/dev/null
    tdisp_conf "Verifier=exec:$(verifier ok approve)"
    testdev_policy Driver=pci_testdev_drv
    tdisp_start
    wait_state $TDI running
    assert_driver $TDI pci_testdev_drv
    assert_tsm $TDI accept 1
    assert_tsm_count 1 lock $TDI EBUSY
    assert_tsm_count 1 lock $TDI ok
    assert_tsm_count 1 accept $TDI ok
    assert_states $TDI locking retry-wait preparing locking attesting accepting binding running
    tdispd_log_has "TDISPD_STATE=retry-wait.*TDISPD_REASON=lock failed: Device or resource busy" ||
        fail "no retry-wait record naming the lock failure"
    assert_tsm_clean
}

@test "the device drops to TDISP ERROR before accept: accept fails, it is unlocked, attested again, accepted" {
    tdisp_conf "Verifier=exec:$(verifier slow sleep 1 --once "$BATS_TEST_TMPDIR/slept")"
    testdev_policy Driver=pci_testdev_drv
    tdisp_start
    wait_state $TDI attesting
    kctl tsm-error $TDI >/dev/null
    wait_state $TDI running
    assert_driver $TDI pci_testdev_drv
    assert_tsm $TDI accept 1
    assert_tsm_count 1 accept $TDI EIO
    assert_tsm_count 1 accept $TDI ok
    assert_tsm_count 2 lock $TDI ok
    assert_states $TDI attesting accepting unlocking retry-wait preparing locking attesting accepting binding running
    [ "$(verifier_runs)" -eq 2 ] || fail "expected a second verdict on the second lock's evidence"
    assert_verifier_clean
    assert_tsm_clean
}

@test "local reference values: the certificates digest approves" {
    local certs
    certs=$(evidence_digest $TDI certificates)
    cat >"$BATS_TEST_TMPDIR/refs.json" <<EOF
{ "version": 1,
  "devices": [ { "match": { "vendor": "0x1b36", "device_id": "0x0005" }, "certificates": "$certs" } ] }
EOF
    tdisp_conf "Verifier=local:$BATS_TEST_TMPDIR/refs.json"
    testdev_policy Driver=pci_testdev_drv
    tdisp_start
    wait_state $TDI running
    assert_driver $TDI pci_testdev_drv
    assert_tsm $TDI accept 1
    tdispd_log_has "TDISPD_DEVICE=$TDI TDISPD_VERDICT=approve" || fail "no approve record"
    assert_tsm_count 1 accept $TDI ok
    assert_tsm_clean
}

@test "local reference values: measurements from before the lock do not match, a reject naming them" {
    local certs meas
    certs=$(evidence_digest $TDI certificates)
    # the measurements the device shows now, before any lock: the lock changes them
    meas=$(evidence_digest $TDI object measurements)
    cat >"$BATS_TEST_TMPDIR/refs.json" <<EOF
{ "version": 1,
  "devices": [ { "match": { "path": "0000:01:*" }, "certificates": "$certs", "measurements": [ "$meas" ] } ] }
EOF
    tdisp_conf "Verifier=local:$BATS_TEST_TMPDIR/refs.json"
    testdev_policy Driver=pci_testdev_drv
    tdisp_start
    wait_state $TDI denied
    assert_no_driver $TDI
    assert_unwound
    tdispd_log_has "TDISPD_VERDICT=reject.*TDISPD_REASON=.*measurements" || fail "no reject naming the measurements"
}

@test "the example verifier (verifier-example.py) approves an allow-listed device and locks the topology" {
    local allow=$BATS_TEST_TMPDIR/allowed-certificates v=$BATS_TEST_TMPDIR/site-verifier
    { echo "# pci-testdev"; evidence_digest $TDI certificates; } >"$allow"
    printf '#!/bin/sh\nexec %q %q --allow-list %q --lock-topology\n' "$PYTHON" \
        "$UMOCKDEV_TESTS/../../conf/examples/verifier-example.py" "$allow" >"$v"
    chmod +x "$v"
    tdisp_conf "Verifier=exec:$v" TopologyLock=on-approval
    testdev_policy Driver=pci_testdev_drv
    tdisp_start
    wait_state $TDI running
    assert_driver $TDI pci_testdev_drv
    assert_tsm $TDI accept 1
    tdispd_log_has "TDISPD_VERDICT=approve.*TDISPD_REASON=certificates in the allow-list" || fail "no approval"
    wait_for tdispd_log_has "Device topology locked" || fail "the topology was not locked on approval"
    # and from then on a new device gets no driver
    kctl plug hot-nic >/dev/null
    wait_for tdispd_log_has "Topology violation: device 0000:00:05.0 appeared" || fail "no violation record"
    assert_no_driver 0000:00:05.0
    assert_tsm_clean
}

@test "a prepare driver whose probe fails: never locked, falls back after PipelineAttempts=" {
    kctl fail-probe $TDI EIO >/dev/null
    tdisp_conf "Verifier=exec:$(verifier ok approve)" PipelineAttempts=1
    testdev_policy Driver=pci_testdev_drv OnReject=deny
    tdisp_start
    wait_state $TDI denied
    assert_no_driver $TDI
    assert_tsm_count 0 lock $TDI
    assert_tsm $TDI lock ""
    tdispd_log_has "TDISPD_STATE=denied.*TDISPD_REASON=prepare failed: Input/output error" ||
        fail "no denied record naming the prepare failure"
    [ "$(verifier_started)" -eq 0 ] || fail "the verifier was asked without a lock"
}

@test "TsmAbi=connect on a kernel with the v2 attributes: nothing written to tsm/, never accepted" {
    tdisp_conf "Verifier=exec:$(verifier ok approve)" TsmAbi=connect PipelineAttempts=1
    testdev_policy Driver=pci_testdev_drv Prepare=no
    tdisp_start
    wait_state $TDI denied
    # Under the forced profile the device offers no TDISP at all: the TDISP=yes rule does not match it,
    # so DefaultAction= (deny) decides.
    tdispd_log_has "TDISPD_DEVICE=$TDI.*TDISPD_STATE=denied.*TDISPD_RULE=default" ||
        fail "no denied record by the default for a device without the forced profile"
    assert_no_driver $TDI
    run bash -c "grep -v '^#' '$KSTATE/writes.log' | grep -F '/tsm/' || true"
    assert_output ""
    assert_tsm $TDI lock ""
    assert_tsm_count 0 accept $TDI
    [ "$(verifier_started)" -eq 0 ] || fail "the verifier was asked without a lock"
}

@test "a driver forced onto the locked device is undone: unbound, unlocked, attested again, accepted once" {
    tdisp_conf "Verifier=exec:$(verifier slow sleep 1 --once "$BATS_TEST_TMPDIR/slept")"
    testdev_policy Driver=pci_testdev_drv
    tdisp_start
    wait_state $TDI attesting
    # a kernel-internal probe that driver_override=none does not stop, while CONFIG_LOCKED
    kctl load pci_testdev_drv >/dev/null
    kctl force-bind $TDI pci_testdev_drv >/dev/null
    wait_state $TDI running
    assert_driver $TDI pci_testdev_drv
    assert_tsm $TDI accept 1
    tdispd_log_has "TDISPD_REASON=driver pci_testdev_drv bound while the device was locked" ||
        fail "no record naming the foreign binding"
    assert_tsm_count 2 lock $TDI ok
    assert_tsm_count 1 unlock $TDI ok
    assert_tsm_count 1 accept $TDI ok
    # the only violation is the test's own forced probe; tdispd wrote nothing out of turn
    assert_tsm_count 1 VIOLATION $TDI
    run tsm_audit
    assert_line --regexp "^VIOLATION	$TDI	driver pci_testdev_drv bound while CONFIG_LOCKED .*forced by the test"
    # the run about the first lock was stopped; the verdict came on the second lock's evidence
    [ "$(verifier_started)" -eq 2 ] && [ "$(verifier_runs)" -eq 1 ] ||
        fail "expected 2 verifier runs, 1 answering; saw $(verifier_started), $(verifier_runs)"
    grep -q 'lock generation 2.*"answer": "approve"' "$KSTATE/verifier.log" || fail "no approval of generation 2 evidence"
    assert_verifier_clean
}
