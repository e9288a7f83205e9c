#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# devsec-selftest.sh: check the emulated devsec guest ABI (tsm_emu.ko, ccprepare_test.ko) in a VM.
#
# In the spirit of upstream tools/testing/devsec/devsec.sh: drive one TDISP device through lock,
# accept and unlock by hand, check every documented error, the driver-binding rules, the evidence
# netlink family and the emulator's audit log and fault knobs. Needs only sh, dd, cat and readlink
# (plus mount if debugfs is not mounted, modprobe if ccprepare_test is not loaded, sha256sum,
# mktemp, mkdir and rm for an optional cross-check); no grep, so it runs in a bare initramfs.
#
# Usage: devsec-selftest.sh [DEVICE]     (default: the first PCI device with a tsm/ group)
# Environment: TSM_EVIDENCE_DUMP  path of tsm-evidence-dump (default: beside this script, then PATH)
# Prints "DEVSEC-SELFTEST: ok <check>" per passing check, "DEVSEC-SELFTEST: FAIL: <reason>" per
# failing one, and finally "DEVSEC-SELFTEST: PASS" (exit 0) or "DEVSEC-SELFTEST: FAIL: N checks
# failed" (exit 1). Leaves the device unlocked, unbound and without driver_override.

P="DEVSEC-SELFTEST:"
failures=0

ok() { echo "$P ok $*"; }
fail() {
    echo "$P FAIL: $*"
    failures=$((failures + 1))
}
abort() {
    echo "$P FAIL: $*"
    echo "$P FAIL: aborted"
    exit 1
}

E_BUSY="Device or resource busy"
E_INVAL="Invalid argument"
E_NXIO="No such device or address"
E_NODEV="No such device"
E_IO="Input/output error"
E_NOMEM="Cannot allocate memory"

# Writes VALUE to FILE in one write(2). Sets werr to "" or the error text (strerror). dd, because
# it reports the errno of a failed write everywhere, where dash's echo says only "I/O error" and
# busybox's printf applet says nothing.
swrite() {
    werr=$(printf '%s\n' "$2" | dd of="$1" conv=notrunc status=none 2>&1)
    if [ -n "$werr" ]; then werr=${werr##*: }; fi
}

expect_ok() { # FILE VALUE DESCRIPTION
    swrite "$1" "$2"
    if [ -z "$werr" ]; then ok "$3"; else fail "$3: write '$2' > $1 failed: $werr"; fi
}

expect_err() { # FILE VALUE ERRTEXT DESCRIPTION
    swrite "$1" "$2"
    if [ "$werr" = "$3" ]; then
        ok "$4"
    else
        fail "$4: write '$2' > $1: expected '$3', got '${werr:-success}'"
    fi
}

expect_eq() { # ACTUAL EXPECTED DESCRIPTION
    if [ "$1" = "$2" ]; then ok "$3"; else fail "$3: expected '$2', got '$1'"; fi
}

expect_ne() { # ACTUAL UNEXPECTED DESCRIPTION
    if [ "$1" != "$2" ]; then ok "$3"; else fail "$3: both are '$1'"; fi
}

readf() { cat "$1" 2>/dev/null; }

# ---- evidence helpers ----

# Runs the tool; sets dump_out (its output) and dump_rc (its exit status = errno).
dump() {
    dump_out=$("$TOOL" "$@" 2>&1)
    dump_rc=$?
}

# Prints a field (sha256 by default; size, hex) of TYPE's object line in the last dump, or nothing.
dump_field() { # TYPE [FIELD]
    field=${2:-sha256}
    while IFS= read -r line; do
        case $line in
        "object type=$1 "*" $field="*)
            rest=${line#* "$field"=}
            printf '%s\n' "${rest%% *}"
            break
            ;;
        esac
    done <<EOF
$dump_out
EOF
}

# Counts the chunk lines (-c) of TYPE in the last dump.
dump_chunks() {
    n=0
    while IFS= read -r line; do
        case $line in "chunk type=$1 "*) n=$((n + 1)) ;; esac
    done <<EOF
$dump_out
EOF
    echo "$n"
}

expect_dump() { # RC DESCRIPTION
    if [ "$dump_rc" -eq "$1" ]; then
        ok "$2"
    else
        fail "$2: exit $dump_rc, expected $1: $(printf '%s' "$dump_out" | while IFS= read -r l; do
            case $l in status=*) printf '%s' "$l" ;; esac
        done)"
    fi
}

# ---- state helpers ----

state() { readf "$EDBG/state"; }
lock_val() { readf "$T/lock"; }
accept_val() { readf "$T/accept"; }
violations() { readf "$DBG/violations"; }
driver_of() {
    if [ -L "$D/driver" ]; then
        d=$(readlink "$D/driver")
        echo "${d##*/}"
    fi
}

encrypted_in_iomem() { # prints the start address (hex) of the first "PCI MMIO Encrypted" range
    while IFS= read -r line; do
        case $line in
        *"PCI MMIO Encrypted"*)
            line=${line#"${line%%[! ]*}"}
            echo "${line%%-*}"
            return
            ;;
        esac
    done </proc/iomem
}

log_has() { # FILE TEXT
    while IFS= read -r line; do
        case $line in *"$2"*) return 0 ;; esac
    done <"$1"
    return 1
}

expect_violation() { # TEXT DESCRIPTION: one more violation, with TEXT in the log
    expected_violations=$((expected_violations + 1))
    expect_eq "$(violations)" "$expected_violations" "$2: violation counted"
    if log_has "$DBG/violation_log" "$1"; then ok "$2: '$1' logged"; else fail "$2: no '$1' in violation_log"; fi
}

# ---- setup ----

TOOL=${TSM_EVIDENCE_DUMP:-}
if [ -z "$TOOL" ]; then
    here=${0%/*}
    if [ "$here" != "$0" ] && [ -x "$here/tsm-evidence-dump" ]; then
        TOOL=$here/tsm-evidence-dump
    else
        TOOL=$(command -v tsm-evidence-dump)
    fi
fi
if [ -z "$TOOL" ] || [ ! -x "$TOOL" ]; then
    abort "tsm-evidence-dump not found (set TSM_EVIDENCE_DUMP)"
fi

[ -d /sys/class/tsm/tsm0 ] || abort "no /sys/class/tsm/tsm0 (tsm_emu not loaded?)"
expect_eq "$(readf /sys/class/tsm/tsm0/pci_mode)" devsec "tsm0 pci_mode is devsec"

DEV=${1:-}
if [ -z "$DEV" ]; then
    for t in /sys/bus/pci/devices/*/tsm; do
        [ -d "$t" ] || continue
        DEV=${t%/tsm}
        DEV=${DEV##*/}
        break
    done
fi
[ -n "$DEV" ] || abort "no PCI device with a tsm/ group"
D=/sys/bus/pci/devices/$DEV
T=$D/tsm
[ -d "$D" ] || abort "no PCI device $DEV"
echo "$P device $DEV"

DBG=/sys/kernel/debug/tsm_emu
if [ ! -d "$DBG" ]; then
    mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
fi
[ -d "$DBG" ] || abort "no $DBG (debugfs not mounted?)"
EDBG=$DBG/$DEV

[ -z "$(driver_of)" ] || abort "$DEV is bound to $(driver_of); unbind it first"
if [ "$(readf "$D/driver_override")" != "(null)" ]; then
    swrite "$D/driver_override" ""
fi
if [ -n "$(lock_val)" ]; then
    swrite "$T/unlock" tsm0
fi
for k in fail_next_lock fail_next_unlock fail_next_accept evidence_unstable; do
    swrite "$DBG/$k" 0
done
swrite "$DBG/violations" 0
expected_violations=0

# ---- the tsm/ group ----

for f in lock unlock accept; do
    if [ -f "$T/$f" ]; then ok "tsm/$f exists"; else fail "no $T/$f"; fi
done
[ -d "$EDBG" ] || abort "no $EDBG"
expect_eq "$(lock_val)" "" "lock reads empty while unlocked"
expect_eq "$(accept_val)" 0 "accept reads 0 while unlocked"
expect_eq "$(state)" CONFIG_UNLOCKED "state CONFIG_UNLOCKED"

expect_err "$T/lock" foo "$E_INVAL" "lock 'foo' is malformed (EINVAL)"
expect_err "$T/lock" tsm1 "$E_NXIO" "lock 'tsm1' names no devsec TSM (ENXIO)"
expect_err "$T/accept" 1 "$E_INVAL" "accept while unlocked (EINVAL)"
expect_err "$T/unlock" tsm0 "$E_INVAL" "unlock while unlocked (EINVAL)"

# ---- evidence before lock ----

dump -t report "$DEV"
expect_dump 6 "no report before lock (ENXIO)"
dump -c "$DEV"
expect_dump 0 "evidence-read of all objects"
cert0=$(dump_field cert0)
cert1=$(dump_field cert1)
vca=$(dump_field vca)
meas0=$(dump_field measurements)
if [ -n "$cert0" ] && [ -n "$cert1" ] && [ -n "$vca" ] && [ -n "$meas0" ]; then
    ok "cert0, cert1, vca, measurements present"
else
    fail "objects missing: $dump_out"
fi
expect_eq "$(dump_field report)" "" "report absent before lock"
expect_eq "$(dump_field cert2)" "" "empty slot cert2 absent"
chunks=$(dump_chunks cert0)
if [ "$chunks" -ge 2 ]; then ok "cert0 spans $chunks messages"; else fail "cert0 in $chunks message(s)"; fi

dump -t cert0,measurements "$DEV"
expect_eq "$(dump_field cert0)" "$cert0" "cert0 stable across reads"
expect_eq "$(dump_field measurements)" "$meas0" "measurements stable across reads"
dump -d -t cert0 "$DEV"
expect_eq "$(dump_field cert0 hex)" "$cert0" "digest flag returns SHA-256 of cert0"

if command -v sha256sum >/dev/null 2>&1; then
    tmp=$(mktemp -d 2>/dev/null || echo /tmp/devsec-selftest.$$)
    mkdir -p "$tmp"
    dump -t cert0 -o "$tmp" "$DEV"
    sum=$(sha256sum "$tmp/cert0.bin")
    expect_eq "${sum%% *}" "$cert0" "tool's SHA-256 matches sha256sum"
    rm -rf "$tmp"
fi

nodev=""
for d in /sys/bus/pci/devices/*; do
    [ -d "$d/tsm" ] && continue
    nodev=${d##*/}
    break
done
if [ -n "$nodev" ]; then
    dump "$nodev"
    expect_dump 6 "device without TSM context ($nodev): ENXIO"
fi
dump 0000:ff:1f.7
expect_dump 19 "nonexistent device: ENODEV"

# ---- lock, accept, unlock ----

expect_ok "$T/lock" tsm0 "lock tsm0"
expect_eq "$(lock_val)" tsm0 "lock reads back tsm0"
expect_eq "$(accept_val)" 0 "accept reads 0 while locked"
expect_eq "$(state)" CONFIG_LOCKED "state CONFIG_LOCKED"
expect_err "$T/lock" tsm0 "$E_BUSY" "lock again (EBUSY)"
expect_err "$T/unlock" tsm1 "$E_INVAL" "unlock with the wrong name (EINVAL)"
expect_err "$T/accept" 0 "$E_INVAL" "accept 0 (EINVAL: there is no un-accept)"
expect_eq "$(encrypted_in_iomem)" "" "no encrypted MMIO before accept"

dump "$DEV"
expect_dump 0 "evidence-read while locked"
report1=$(dump_field report)
if [ -n "$report1" ]; then ok "report present after lock"; else fail "no report after lock"; fi
expect_eq "$(dump_field cert0)" "$cert0" "cert0 unchanged by lock"
expect_ne "$(dump_field measurements)" "$meas0" "measurements taken afresh at lock"
dump -t report "$DEV"
expect_eq "$(dump_field report)" "$report1" "report stable across reads"
dump -t report -n 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f "$DEV"
rn=$(dump_field report)
expect_ne "$rn" "$report1" "nonce changes the report"
dump -t report -n 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f "$DEV"
expect_eq "$(dump_field report)" "$rn" "same nonce, same report"

expect_ok "$T/accept" 1 "accept"
expect_eq "$(accept_val)" 1 "accept reads 1"
expect_eq "$(state)" RUN "state RUN"
enc=$(encrypted_in_iomem)
if [ -n "$enc" ]; then
    ok "PCI MMIO Encrypted in /proc/iomem"
    # resource holds "0x<start> 0x<end> 0x<flags>" per BAR; arithmetic expansion takes the 0x form.
    read -r bar0 _ <"$D/resource"
    if [ $((0x$enc)) -eq $((bar0)) ]; then
        ok "encrypted range starts at BAR0"
    else
        fail "encrypted range at $enc, BAR0 at $bar0"
    fi
else
    fail "no PCI MMIO Encrypted in /proc/iomem after accept"
fi

expect_ok "$T/unlock" tsm0 "unlock"
expect_eq "$(lock_val)" "" "lock reads empty after unlock"
expect_eq "$(accept_val)" 0 "accept reads 0 after unlock"
expect_eq "$(state)" CONFIG_UNLOCKED "state CONFIG_UNLOCKED after unlock"
expect_eq "$(encrypted_in_iomem)" "" "PCI MMIO Encrypted gone after unlock"
dump -t report "$DEV"
expect_dump 6 "no report after unlock (ENXIO)"

expect_ok "$T/lock" tsm0 "lock again after unlock"
dump -t cert0,report "$DEV"
expect_ne "$(dump_field report)" "$report1" "report changes after re-lock"
expect_eq "$(dump_field cert0)" "$cert0" "cert0 unchanged by re-lock"
expect_ok "$T/accept" 1 "accept"
expect_ok "$T/accept" 1 "second accept is not rejected (v2)"
expect_violation double-accept "second accept"
expect_ok "$T/unlock" tsm0 "unlock"

# ---- driver binding ----

DRV=/sys/bus/pci/drivers/ccprepare_test
if [ ! -d "$DRV" ] && command -v modprobe >/dev/null 2>&1; then
    modprobe ccprepare_test 2>/dev/null
fi
if [ -d "$DRV" ]; then
    expect_err "$DRV/bind" "$DEV" "$E_NODEV" "ccprepare_test does not bind without driver_override (ENODEV)"
    expect_ok /sys/bus/pci/drivers_probe "$DEV" "drivers_probe without driver_override"
    expect_eq "$(driver_of)" "" "still no driver after drivers_probe"

    probes=$(readf /sys/module/ccprepare_test/parameters/probe_count)
    expect_ok "$D/driver_override" ccprepare_test "driver_override = ccprepare_test"
    expect_ok "$DRV/bind" "$DEV" "bind ccprepare_test"
    expect_eq "$(driver_of)" ccprepare_test "ccprepare_test bound"
    expect_eq "$(readf /sys/module/ccprepare_test/parameters/probe_count)" $((probes + 1)) "probe_count went up"
    expect_err "$T/lock" tsm0 "$E_BUSY" "lock with a driver bound (EBUSY)"
    expect_violation lock-while-bound "lock with a driver bound"
    expect_eq "$(state)" CONFIG_UNLOCKED "still CONFIG_UNLOCKED"
    expect_ok "$DRV/unbind" "$DEV" "unbind ccprepare_test"
    expect_eq "$(driver_of)" "" "no driver after unbind"

    # The mistakes tdispd must never make: a driver on a locked, unaccepted device.
    expect_ok "$T/lock" tsm0 "lock after the prepare driver left"
    expect_ok "$DRV/bind" "$DEV" "bind while locked (the kernel does not refuse it)"
    expect_violation bound-while-locked "driver bound while locked"
    expect_err "$T/unlock" tsm0 "$E_BUSY" "unlock with a driver bound (EBUSY)"
    expect_violation unlock-while-bound "unlock with a driver bound"
    expect_err "$T/accept" 1 "$E_BUSY" "accept with a driver bound (EBUSY)"
    expect_violation accept-while-bound "accept with a driver bound"
    expect_ok "$DRV/unbind" "$DEV" "unbind"
    expect_ok "$T/unlock" tsm0 "unlock"
    expect_ok "$D/driver_override" "" "clear driver_override"
    expect_eq "$(readf "$D/driver_override")" "(null)" "driver_override cleared"
else
    fail "no ccprepare_test driver (load ccprepare_test.ko)"
fi

# ---- fault injection ----

expect_ok "$DBG/fail_next_lock" 5 "arm fail_next_lock=EIO"
expect_err "$T/lock" tsm0 "$E_IO" "injected lock failure (EIO)"
expect_eq "$(state)" CONFIG_UNLOCKED "still CONFIG_UNLOCKED after failed lock"
expect_ok "$T/lock" tsm0 "next lock succeeds"
expect_ok "$DBG/fail_next_accept" 12 "arm fail_next_accept=ENOMEM"
expect_err "$T/accept" 1 "$E_NOMEM" "injected accept failure (ENOMEM)"
expect_eq "$(accept_val)" 0 "accept reads 0 after failed accept"
expect_eq "$(state)" CONFIG_LOCKED "still CONFIG_LOCKED after failed accept"
expect_ok "$T/accept" 1 "next accept succeeds"
expect_ok "$EDBG/inject_error" 1 "drop to ERROR"
expect_eq "$(state)" ERROR "state ERROR"
expect_eq "$(accept_val)" 1 "accept still reads 1 in ERROR"
expect_eq "$(lock_val)" tsm0 "lock still reads tsm0 in ERROR"
expect_err "$T/lock" tsm0 "$E_BUSY" "lock in ERROR (EBUSY)"
expect_ok "$T/unlock" tsm0 "unlock recovers from ERROR"
expect_eq "$(state)" CONFIG_UNLOCKED "CONFIG_UNLOCKED after recovery"
expect_ok "$T/lock" tsm0 "lock"
expect_ok "$DBG/fail_next_unlock" 5 "arm fail_next_unlock=EIO"
expect_err "$T/unlock" tsm0 "$E_IO" "injected unlock failure (EIO)"
expect_eq "$(lock_val)" tsm0 "still locked after failed unlock"
expect_ok "$T/unlock" tsm0 "next unlock succeeds"

expect_ok "$DBG/evidence_unstable" 1 "arm evidence_unstable=1"
dump "$DEV"
expect_dump 11 "evidence changing mid-read (EAGAIN)"
dump "$DEV"
expect_dump 0 "next read succeeds"
expect_ok "$DBG/evidence_unstable" 1 "arm evidence_unstable=1"
dump -r 2 "$DEV"
expect_dump 0 "reader that retries gets the evidence"

expect_eq "$(violations)" "$expected_violations" "no unexpected violations"
swrite "$DBG/violations" 0

# ---- done ----

expect_eq "$(state)" CONFIG_UNLOCKED "device left CONFIG_UNLOCKED"
expect_eq "$(driver_of)" "" "device left unbound"
if [ "$failures" -eq 0 ]; then
    echo "$P PASS"
    exit 0
fi
echo "$P FAIL: $failures checks failed"
exit 1
