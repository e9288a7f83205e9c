#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# module-setup.sh — dracut module for the VM suite only: the guest agent, its units, the test
# policy, the scenario data and the tools the agent uses. Never part of a real initramfs: it is
# copied into the suite's private dracutbasedir, and TDISPD_TEST_GUEST_DIR points at tests/vm/guest
# (TDISPD_TEST_KMOD_OUT, when set, at the output of tests/kmod/build.sh: the TSM emulator's
# self-test script and its helpers; the modules themselves come in through --add-drivers).
#
# shellcheck disable=SC2154 # initdir and SYSTEMCTL are set by dracut

check() {
    [[ -d ${TDISPD_TEST_GUEST_DIR-} ]] || return 1
    return 255
}

depends() {
    echo bash tdispd
    return 0
}

install() {
    local g="$TDISPD_TEST_GUEST_DIR" f

    inst_script "$g/agent.sh" /usr/lib/tdispd-test/agent
    inst_simple "$g/99-broken.conf" /usr/lib/tdispd-test/99-broken.conf
    if [[ -d ${TDISPD_TEST_KMOD_OUT-} ]]; then
        for f in "$TDISPD_TEST_KMOD_OUT"/*; do
            if [[ -f $f && $f != *.ko ]]; then
                inst_simple "$f" "/usr/lib/tdispd-test/${f##*/}"
                chmod +x "$initdir/usr/lib/tdispd-test/${f##*/}"
            fi
        done
    fi
    # The push-mode example agent, as the project installs it (scenario tdisp-push runs it).
    inst_script "$TDISPD_DESTDIR/usr/share/doc/tdispd/examples/push-agent.sh" /usr/lib/tdispd-test/push-agent.sh
    for f in "$g"/policy/*.policy; do
        inst_simple "$f" "/etc/tdispd/policy.d/${f##*/}"
    done

    inst_simple "$g/tdispd-test-setup.service" /usr/lib/systemd/system/tdispd-test-setup.service
    inst_simple "$g/tdispd-test-agent.service" /usr/lib/systemd/system/tdispd-test-agent.service
    $SYSTEMCTL -q --root "$initdir" enable tdispd-test-setup.service tdispd-test-agent.service

    # The agent's tools, and the TSM self-test's (dd, env, mktemp, mount, printf, rm, sha256sum).
    inst_multiple awk basename cat chmod cp cut date dd env find grep head jq kill ls mkdir mktemp modprobe \
        mount od printf readlink rm sed sha256sum sha384sum sleep sort stty timeout tr wc
}
