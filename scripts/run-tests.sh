#!/usr/bin/env bash
# Runs vitest and ends with one plain summary line ("tests: N passed, N failed")
# so CI logs show the count whatever reporter is in use.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .local
report=.local/vitest-report.json
rm -f "$report"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
if [[ -f "$report" ]]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  ' "$report"
else
  echo "tests: 0 passed, 1 failed (vitest wrote no report; see the output above)"
  [[ $status -eq 0 ]] && status=1
fi
exit $status
