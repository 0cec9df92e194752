#!/usr/bin/env bash
# Runs one end-to-end test file of tests/service_e2e with node's built-in test runner.
#   tools/service_e2e/run-test.sh [--browser] FILE.test.mjs
# Exit 77 (ctest SKIP_RETURN_CODE) only when node, or Chromium for a browser test, is not
# installed at all; missing npm dependencies are an error that says how to install them.
set -euo pipefail
browser=0
if [ "${1:-}" = "--browser" ]; then
  browser=1
  shift
fi
file="${1:?usage: run-test.sh [--browser] FILE.test.mjs}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
if ! command -v node >/dev/null 2>&1; then
  echo "SKIP: node is not installed (scripts/setup installs Node.js)"
  exit 77
fi
chromium="${PIXFORGE_CHROMIUM:-/usr/bin/chromium}"
if [ "$browser" -eq 1 ] && [ ! -x "$chromium" ]; then
  echo "SKIP: $chromium is not installed (scripts/setup installs Debian's chromium)"
  exit 77
fi
for dep in openai playwright-core; do
  if [ ! -d "$here/tests/service_e2e/node_modules/$dep" ]; then
    echo "error: npm package '$dep' is missing: run 'npm ci --prefix tests/service_e2e' (scripts/setup does)" >&2
    exit 1
  fi
done
exec node --test --test-reporter=spec "$file"
