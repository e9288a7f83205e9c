#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# summarize-results.py — counts test results across meson test logs and prints "N passed, N failed".
#
# An exit-code test counts once. A TAP test (the bats suites) counts each of its "ok"/"not ok"
# lines; a TAP test that failed without printing any counts once as failed. Skipped tests are
# reported separately and never counted as passed. Exit status 1 if anything failed or nothing ran.
import json
import re
import sys

TAP_LINE = re.compile(r'^(ok|not ok)\b(.*)$')

passed = failed = skipped = 0
failures = []

for path in sys.argv[1:]:
    try:
        lines = open(path, encoding='utf-8').read().splitlines()
    except OSError as e:
        print(f'summarize-results: cannot read {path}: {e}', file=sys.stderr)
        failed += 1
        continue
    for line in lines:
        entry = json.loads(line)
        name, result, out = entry['name'], entry['result'], entry.get('stdout') or ''
        tap = [m for m in (TAP_LINE.match(l) for l in out.splitlines()) if m]
        if tap and out.lstrip().startswith(('1..', 'TAP version', 'ok', 'not ok')):
            for m in tap:
                if re.search(r'#\s*skip', m.group(2), re.IGNORECASE):
                    skipped += 1
                elif m.group(1) == 'ok':
                    passed += 1
                else:
                    failed += 1
                    failures.append(f'{name}:{m.group(2)}')
            if result not in ('OK', 'EXPECTEDFAIL') and not any(m.group(1) == 'not ok' for m in tap):
                failed += 1
                failures.append(f'{name}: {result} (exit {entry.get("returncode")})')
        elif result == 'SKIP':
            skipped += 1
        elif result in ('OK', 'EXPECTEDFAIL'):
            passed += 1
        else:
            failed += 1
            failures.append(f'{name}: {result}')

for f in failures:
    print(f'FAILED: {f}')
line = f'{passed} passed, {failed} failed'
if skipped:
    line += f', {skipped} skipped'
print(line)
sys.exit(1 if failed or passed == 0 else 0)
