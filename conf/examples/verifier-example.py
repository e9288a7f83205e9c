#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# verifier-example.py — an example exec: verifier for tdispd (see tdispd-verifier(7)).
#
# tdispd runs an exec: verifier with the evidence bundle on stdin and reads the verdict from
# stdout. This one shows the contract end to end and is small enough to start from:
#
#   - it recomputes every device's evidence digest from the base64 objects (so it judges the bytes
#     it was given, not a digest it was told), and the bundle digest;
#   - it approves a device whose certificates digest is in an allow-list, and rejects every other
#     device with a reason;
#   - with --lock-topology it asks tdispd to lock the device topology once every device in the
#     bundle is approved.
#
# A real verifier would instead check the SPDM certificate chain against trusted roots, verify
# the signature over the measurements and the nonce, and compare measurements with reference
# values, typically by asking a remote attestation service.
#
# Allow-list: sha384:<hex> certificates digests, one per line ('#' comments), from --allow-list FILE,
# else $TDISPD_ALLOW_LIST, else /etc/tdispd/allowed-certificates when it exists; and/or from the
# TDISPD_ALLOWED_CERTIFICATES environment variable (separated by spaces or commas). tdispd runs an
# exec: verifier without arguments, so the environment and the default file are how a deployment
# configures it; TDISPD_LOCK_TOPOLOGY=1 does what --lock-topology does. Python standard library only.

import argparse
import base64
import binascii
import hashlib
import json
import os
import sys

EVIDENCE_TYPES = ['cert0', 'cert1', 'cert2', 'cert3', 'cert4', 'cert5', 'cert6', 'cert7',
                  'vca', 'measurements', 'report']
CERTIFICATE_TYPES = EVIDENCE_TYPES[:8]
DEFAULT_ALLOW_LIST = '/etc/tdispd/allowed-certificates'
TOPOLOGY_FIELDS = ['device', 'bus', 'vendor', 'device_id', 'subsystem_vendor', 'subsystem_device',
                   'class', 'driver', 'state']


def framed_digest(tag, objects, types):
    """SHA-384 over tag NUL, then per object present in type order: name NUL be64(size) data."""
    h = hashlib.sha384(tag + b'\0')
    for name in types:
        if name in objects:
            data = objects[name]
            h.update(name.encode() + b'\0' + len(data).to_bytes(8, 'big') + data)
    return 'sha384:' + h.hexdigest()


def netstring(s):
    b = s.encode()
    return str(len(b)).encode() + b':' + b + b','


def bundle_digest(bundle):
    h = hashlib.sha384()
    h.update(netstring('tdispd-bundle-v1') + netstring(bundle.get('nonce', '')))
    h.update(netstring(str(len(bundle['devices']))))
    for d in bundle['devices']:
        h.update(netstring(d['device']) + netstring(d['evidence_digest']))
    h.update(netstring(str(len(bundle['topology']))))
    for t in bundle['topology']:
        for field in TOPOLOGY_FIELDS:
            h.update(netstring(t.get(field, '')))
    return 'sha384:' + h.hexdigest()


def decode_objects(device):
    """The device's evidence objects, each checked against its stated size and digest."""
    objects = {}
    for o in device['objects']:
        name = o['type']
        if name not in EVIDENCE_TYPES or name in objects:
            raise ValueError(f"unexpected object type '{name}'")
        try:
            data = base64.b64decode(o['data'], validate=True)
        except binascii.Error as e:
            raise ValueError(f'{name}: bad base64: {e}') from None
        if len(data) != o['size']:
            raise ValueError(f'{name}: size {len(data)}, stated {o["size"]}')
        if 'sha384:' + hashlib.sha384(data).hexdigest() != o['sha384']:
            raise ValueError(f'{name}: digest does not match its data')
        objects[name] = data
    return objects


def judge(device, allowed):
    """(approve, reason) for one device of the bundle."""
    try:
        objects = decode_objects(device)
    except (KeyError, TypeError, ValueError) as e:
        return False, f'malformed evidence: {e}'

    if framed_digest(b'tdispd-evidence-v1', objects, EVIDENCE_TYPES) != device['evidence_digest']:
        return False, 'evidence digest does not match the evidence objects'

    if not any(t in objects for t in CERTIFICATE_TYPES):
        return False, 'no certificate chain in the evidence'
    certificates = framed_digest(b'tdispd-certificates-v1', objects, CERTIFICATE_TYPES)
    if certificates not in allowed:
        return False, f'certificates {certificates[:23]}... not in the allow-list'
    return True, 'certificates in the allow-list'


def printable(reason):
    """tdispd takes reasons of at most 256 printable ASCII characters; anything else voids the output."""
    return ''.join(c if ' ' <= c <= '~' else '?' for c in reason)[:200]


def load_allow_list(path):
    allowed = set()
    for word in os.environ.get('TDISPD_ALLOWED_CERTIFICATES', '').replace(',', ' ').split():
        allowed.add(word)
    if path:
        with open(path, encoding='ascii') as f:
            for line in f:
                line = line.split('#', 1)[0].strip()
                if line:
                    allowed.add(line)
    return allowed


def main():
    parser = argparse.ArgumentParser(
        description='Example tdispd exec: verifier (allow-list of certificates).')
    parser.add_argument('--allow-list', metavar='FILE', help='file of allowed sha384: certificates digests')
    parser.add_argument('--lock-topology', action='store_true',
                        help='ask tdispd to lock the topology when every device is approved')
    args = parser.parse_args()

    path = args.allow_list or os.environ.get('TDISPD_ALLOW_LIST')
    if not path and os.path.exists(DEFAULT_ALLOW_LIST):
        path = DEFAULT_ALLOW_LIST
    allowed = load_allow_list(path)
    lock_topology = args.lock_topology or os.environ.get('TDISPD_LOCK_TOPOLOGY') == '1'
    bundle = json.load(sys.stdin)
    if bundle.get('version') != 1:
        # Anything but a verdict on stdout, and a non-zero exit, makes tdispd reject every device.
        print(f'verifier-example: unsupported bundle version {bundle.get("version")!r}', file=sys.stderr)
        return 1
    digest = bundle_digest(bundle)
    if digest != bundle['bundle_digest']:
        print('verifier-example: bundle digest mismatch; refusing to judge', file=sys.stderr)
        return 1

    verdicts = []
    for device in bundle['devices']:
        approve, reason = judge(device, allowed)
        verdicts.append({
            'device': device['device'],
            'evidence_digest': device['evidence_digest'],
            'verdict': 'approve' if approve else 'reject',
            'reason': printable(reason),
        })
        print(f"verifier-example: {device['device']}: {verdicts[-1]['verdict']}: {reason}", file=sys.stderr)

    lock = lock_topology and all(v['verdict'] == 'approve' for v in verdicts)
    json.dump({'version': 1, 'verdicts': verdicts, 'lock_topology': lock, 'bundle_digest': digest},
              sys.stdout, indent=2)
    sys.stdout.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
