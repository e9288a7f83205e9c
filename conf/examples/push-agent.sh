#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# push-agent.sh — an example attestation agent for tdispd's Verifier=push (docs/push-mode.md).
#
# For every TDISP device that awaits a verdict, it writes the device's evidence to a fresh directory
# (tdispctl evidence --output-dir), hands that directory to a verify command, which asks the remote
# relying party, and posts the answer back with the digest of exactly the evidence it judged
# (tdispctl approve|reject DEVICE --digest=D). A verdict for evidence that changed meanwhile (the
# device was locked again) is refused by tdispd with status 7; the device is then simply judged
# again on the next round. tdispd never accepts a device this script did not approve, so a crash or
# a hung verify command only delays acceptance (tdispd's VerifierTimeoutSec= then fails the attempt).
#
# Usage: push-agent.sh [--once] VERIFY-COMMAND [ARG...]
#
# VERIFY-COMMAND is run as: VERIFY-COMMAND [ARG...] DEVICE EVIDENCE-DIR
# EVIDENCE-DIR holds one file per evidence object (cert0 ... cert7, vca, measurements, report), plus
# evidence-digest and nonce (one line each). The command exits 0 to approve and 1 to reject, and may
# print one line of reason on standard output; any other status (a network error, say) leaves the
# device waiting, to be tried again on the next round.
#
# Environment:
#   TDISPCTL          the tdispctl to use (default: tdispctl); may include options, e.g.
#                     "tdispctl --socket=/run/tdispd/io.tdispd.Manager"
#   INTERVAL          seconds between rounds (default: 2)
#   LOCK_TOPOLOGY     "yes": ask for the topology lock with each approval (TopologyLock=on-approval)
#
# Needs jq, to read tdispctl's JSON.

set -eu

TDISPCTL=${TDISPCTL:-tdispctl}
INTERVAL=${INTERVAL:-2}
LOCK_TOPOLOGY=${LOCK_TOPOLOGY:-no}

once=no
if [ "${1-}" = --once ]; then
    once=yes
    shift
fi
if [ $# -lt 1 ]; then
    echo "Usage: $0 [--once] VERIFY-COMMAND [ARG...]" >&2
    exit 2
fi

log() {
    echo "push-agent: $*" >&2
}

# tdispctl with the options in $TDISPCTL (word-split on purpose).
ctl() {
    # shellcheck disable=SC2086
    $TDISPCTL "$@"
}

# The devices awaiting a verdict now, one name per line.
awaiting() {
    ctl --json=short list | jq -r '.[] | select(.state == "attesting" and .verdict == "none"
        and .evidence_digest != null) | .name'
}

# judge DEVICE VERIFY-COMMAND [ARG...] — one device, one verdict.
judge() {
    dev=$1
    shift
    work=$(mktemp -d)

    if ! ctl evidence "$dev" --output-dir="$work/evidence" >/dev/null; then
        log "$dev: could not read its evidence; trying again later"
        rm -rf "$work"
        return 0
    fi
    # The digest of the files the verifier is about to judge: the verdict names exactly these.
    digest=$(cat "$work/evidence/evidence-digest")

    status=0
    reason=$("$@" "$dev" "$work/evidence") || status=$?
    reason=$(printf '%s' "$reason" | head -n 1)
    rm -rf "$work"

    case $status in
    0)
        verdict=approved
        set -- approve "$dev" --digest="$digest" --reason="${reason:-approved by the relying party}"
        if [ "$LOCK_TOPOLOGY" = yes ]; then
            set -- "$@" --lock-topology
        fi
        ;;
    1)
        verdict=rejected
        set -- reject "$dev" --digest="$digest" --reason="${reason:-rejected by the relying party}"
        ;;
    *)
        log "$dev: the verify command failed (status $status); trying again later"
        return 0
        ;;
    esac

    status=0
    ctl "$@" >/dev/null || status=$?
    case $status in
    0) log "$dev: $verdict evidence $digest" ;;
    7) log "$dev: its evidence changed while it was judged (locked again); judging it again" ;;
    8) log "$dev: awaits no verdict any more" ;;
    *) log "$dev: tdispctl $1 failed (status $status)" ;;
    esac
    return 0
}

command -v jq >/dev/null || { log "jq is required"; exit 1; }

while :; do
    if devices=$(awaiting); then
        for dev in $devices; do
            judge "$dev" "$@"
        done
    else
        log "cannot list the devices (is tdispd running?); trying again later"
    fi
    [ "$once" = yes ] && break
    sleep "$INTERVAL"
done
