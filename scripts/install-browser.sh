#!/usr/bin/env bash
# Install what the browser tests (tests/test_browser*.py) need, if it is missing:
# - Debian's Chromium, when $CHROMIUM (default /usr/bin/chromium) is not there. Never a
#   browser of Playwright's own: Debian's package only.
# - axe-core, the accessibility checker the tests inject into pages, at the version
#   package-lock.json pins, into node_modules/ (npm ci), when that version is not there.
# Quick when both are in place, so test.sh calls it on every run. Exits non-zero when it
# cannot install something; the browser tests then fail under CI=true and skip
# otherwise, saying why.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/_debian.sh
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

install_chromium() {
  debian_install "$CHROMIUM" chromium && return 0
  echo "install-browser: or install Chromium by hand and set CHROMIUM=/path/to/it" >&2
  return 1
}

# The version package-lock.json pins, and the one node_modules/ holds (if any).
locked_axe() {
  node -e 'console.log(require("./package-lock.json").packages["node_modules/axe-core"].version)'
}
installed_axe() {
  node -e 'console.log(require("./node_modules/axe-core/package.json").version)' 2>/dev/null || true
}

install_axe() {
  if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    echo "install-browser: axe-core needs Node.js and npm; install Debian's nodejs and npm" >&2
    return 1
  fi
  local wanted
  wanted=$(locked_axe)
  if [ "$(installed_axe)" = "$wanted" ] && [ -f node_modules/axe-core/axe.min.js ]; then
    return 0
  fi
  echo "install-browser: installing axe-core $wanted (package-lock.json) into node_modules/" >&2
  # ci: exactly the lock file, checked against its integrity hashes; no install scripts.
  npm ci --ignore-scripts --no-audit --no-fund >&2
}

status=0
install_chromium || status=1
install_axe || status=1
exit "$status"
