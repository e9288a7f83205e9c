#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""verifier.py — a relying party for the TDISP suites: an exec: verifier that checks tdispd's side of
the contract (tdispd-verifier(7)) and then answers as the test asks.

  verifier.py --log FILE --evidence DIR MODE [ARG…]

Before answering, it checks what tdispd sent, independently of tdispd's code: the bundle version,
every object's size and sha384 against its bytes, the evidence digest and the bundle digest
recomputed as the man page defines them, and every object against the fake kernel's evidence files
(DIR/<device>/<type>) as they are now — the device is locked while it is asked, so they must be
equal: evidence read after *this* lock. Any mismatch is logged as a problem (tests assert there are
none) and turns an approval into a rejection.

MODE:
  approve [--lock-topology]        approve every device, echoing digests it recomputed
  reject REASON                    reject every device with REASON
  sleep SECONDS [--once MARKER]    sleep, then approve; with --once only while MARKER does not
                                   exist (created at the first run), later runs approve at once
  wrong-digest                     approve, naming a well-formed digest of other evidence
  wrong-bundle                     approve the right evidence, but name another bundle digest

One JSON line per run goes to the log: {"pid", "mode", "devices": [{"device", "evidence_digest",
"report"}], "problems": […], "answer"}, and a "start" line with the pid first, so that a test can
wait for a run to begin and kill leftovers.
"""

import base64
import hashlib
import json
import os
import sys
import time

EVIDENCE_TYPES = ["cert0", "cert1", "cert2", "cert3", "cert4", "cert5", "cert6", "cert7",
                  "vca", "measurements", "report"]
TOPOLOGY_FIELDS = ["device", "bus", "vendor", "device_id", "subsystem_vendor", "subsystem_device",
                   "class", "driver", "state"]


def framed(tag, objects):
    h = hashlib.sha384(tag + b"\0")
    for name in EVIDENCE_TYPES:
        if name in objects:
            data = objects[name]
            h.update(name.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    return "sha384:" + h.hexdigest()


def ns(s):
    b = s.encode()
    return str(len(b)).encode() + b":" + b + b","


def bundle_digest(bundle):
    h = hashlib.sha384(ns("tdispd-bundle-v1") + ns(bundle.get("nonce", "")) + ns(str(len(bundle["devices"]))))
    for d in bundle["devices"]:
        h.update(ns(d["device"]) + ns(d["evidence_digest"]))
    h.update(ns(str(len(bundle["topology"]))))
    for t in bundle["topology"]:
        for f in TOPOLOGY_FIELDS:
            h.update(ns(t.get(f, "")))
    return "sha384:" + h.hexdigest()


def check(bundle, evidence_dir):
    """(devices, problems): what was asked, and every way tdispd's bundle breaks the contract."""
    problems, devices = [], []
    if bundle.get("version") != 1:
        problems.append("bundle version %r" % bundle.get("version"))
    try:
        if bundle_digest(bundle) != bundle.get("bundle_digest"):
            problems.append("bundle_digest does not match the bundle")
    except (KeyError, TypeError) as e:
        problems.append("bundle incomplete: %r" % e)
    for d in bundle.get("devices", []):
        name = d.get("device", "?")
        objects = {}
        for o in d.get("objects", []):
            data = base64.b64decode(o["data"], validate=True)
            if len(data) != o["size"]:
                problems.append("%s %s: size %d, stated %d" % (name, o["type"], len(data), o["size"]))
            if "sha384:" + hashlib.sha384(data).hexdigest() != o["sha384"]:
                problems.append("%s %s: sha384 does not match the data" % (name, o["type"]))
            objects[o["type"]] = data
        mine = framed(b"tdispd-evidence-v1", objects)
        if mine != d.get("evidence_digest"):
            problems.append("%s: evidence_digest %s, recomputed %s" % (name, d.get("evidence_digest"), mine))
        # evidence read after this lock: the kernel's objects right now
        kdir = os.path.join(evidence_dir, name)
        kernel = {}
        for t in EVIDENCE_TYPES:
            try:
                with open(os.path.join(kdir, t), "rb") as f:
                    kernel[t] = f.read()
            except FileNotFoundError:
                pass
        if kernel != objects:
            problems.append("%s: evidence differs from the kernel's current objects (%s)"
                            % (name, ", ".join(sorted(t for t in set(kernel) | set(objects)
                                                      if kernel.get(t) != objects.get(t)))))
        devices.append({"device": name, "evidence_digest": mine,
                        "report": objects.get("report", b"").decode(errors="replace").strip()})
    return devices, problems


def main():
    args = sys.argv[1:]
    log_path = evidence_dir = None
    while args and args[0] in ("--log", "--evidence"):
        if args[0] == "--log":
            log_path = args[1]
        else:
            evidence_dir = args[1]
        args = args[2:]
    if not args or not log_path or not evidence_dir:
        sys.exit("usage: verifier.py --log FILE --evidence DIR MODE [ARG…]")
    mode, margs = args[0], args[1:]
    log = open(log_path, "a", buffering=1)
    log.write(json.dumps({"start": os.getpid(), "mode": mode}) + "\n")

    bundle = json.load(sys.stdin)
    devices, problems = check(bundle, evidence_dir)

    if mode == "sleep":
        marker = margs[margs.index("--once") + 1] if "--once" in margs else None
        if marker is None or not os.path.exists(marker):
            if marker:
                open(marker, "w").close()
            time.sleep(float(margs[0]))

    verdict, reason, digest_of = "approve", "approved by the test verifier", lambda d: d["evidence_digest"]
    answer_bundle = bundle.get("bundle_digest")
    if mode == "reject":
        verdict, reason = "reject", margs[0] if margs else "rejected by the test verifier"
    elif mode == "wrong-digest":
        digest_of = lambda d: "sha384:" + hashlib.sha384(b"other evidence").hexdigest()
    elif mode == "wrong-bundle":
        answer_bundle = "sha384:" + hashlib.sha384(b"another bundle").hexdigest()
    elif mode not in ("approve", "sleep"):
        sys.exit("verifier.py: unknown mode %s" % mode)
    if problems and verdict == "approve":
        verdict, reason = "reject", "harness: " + "; ".join(problems)[:200]

    out = {"version": 1,
           "verdicts": [{"device": d["device"], "evidence_digest": digest_of(d), "verdict": verdict,
                         "reason": reason} for d in devices],
           "bundle_digest": answer_bundle}
    if "--lock-topology" in margs:
        out["lock_topology"] = True
    log.write(json.dumps({"pid": os.getpid(), "mode": mode, "devices": devices, "problems": problems,
                          "answer": verdict}) + "\n")
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
