#!/usr/bin/env bash
# The browser end-to-end suite: the real server (debug build, a fresh SQLite database per test
# file) and Debian's Chromium driven by playwright-core, run by node's own test runner.
# Works on a fresh Debian machine: installs Chromium, Node.js and Rust when missing, then
# builds ui/dist and the server. Exits non-zero when a test fails.
#
#   tests/browser/run.sh                   # everything
#   tests/browser/run.sh bad-input.test.mjs  # some files only
#
# Screenshots land in tests/browser/screenshots/ (desktop 1280×800 and phone 390×844).
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
HERE="$ROOT/tests/browser"

ensure_node
ensure_rust
# Debian's Chromium; playwright never downloads a browser of its own here.
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] || apt_install chromium
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

node -e 'const [a, b] = process.versions.node.split(".").map(Number);
  if (a < 20 || (a === 20 && b < 19)) { console.error(`Node.js ${process.versions.node} is too old: 20.19 or newer`); process.exit(1); }'

echo "==> ui: npm ci, build (ui/dist, served by the server)"
(cd "$ROOT/ui" && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)

echo "==> server: cargo build -p pforte-server"
(cd "$ROOT" && cargo build --locked -p pforte-server --quiet)

echo "==> tests/browser: npm ci"
(cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)

echo "==> browser tests (node --test)"
cd "$HERE"
if [ "$#" -gt 0 ]; then files=("$@"); else files=(./*.test.mjs); fi
# One file at a time: each starts its own server and browser, and the machine has 2 cores.
node --test --test-concurrency=1 --test-timeout=120000 "${files[@]}"
