#!/usr/bin/env bash
# The project's test command (README and .ci/run run exactly this).
# Builds the solution, runs every test project on the Microsoft Testing Platform, and ends with one
# plain summary line, "tests: N passed, N failed, N skipped", that CI and people can read at a glance.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ ! -d tests/Fixtures/node/node_modules ]; then
  echo "note: tests/Fixtures/node/node_modules is missing; run 'npm ci --prefix tests/Fixtures/node' (or .ci/run) for the integration tests" >&2
fi

log=$(mktemp)
dotnet test --solution McpGuard.slnx --configuration Release "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# Microsoft Testing Platform prints "succeeded: N", "failed: N", "skipped: N" in its run summary.
passed=$(grep -E '^\s+succeeded: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
failed=$(grep -E '^\s+failed: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
skipped=$(grep -E '^\s+skipped: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
rm -f "$log"
if [ "$rc" -ne 0 ] && [ "${failed:-0}" = 0 ]; then failed=1; fi   # a build error is a failure too
echo "tests: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit "$rc"
