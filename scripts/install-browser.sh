#!/usr/bin/env bash
# Install Debian's Chromium for the browser test (tests/test_browser.py) if it is missing.
# Does nothing when $CHROMIUM (default /usr/bin/chromium) is already there, so test.sh
# can call it on every run. Never downloads a browser of its own: Debian's package only.
# Exits non-zero when it cannot install; the browser test then fails under CI=true and
# skips otherwise, saying why.
set -euo pipefail
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
PACKAGES=(chromium)

if [ -x "$CHROMIUM" ]; then
  exit 0
fi

echo "install-browser: $CHROMIUM not found; installing Debian's ${PACKAGES[*]}" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: no apt-get here; install Chromium by hand and set CHROMIUM=/path/to/it" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "install-browser: needs root; run: sudo apt-get install ${PACKAGES[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >&2

if [ ! -x "$CHROMIUM" ]; then
  echo "install-browser: installed ${PACKAGES[*]}, but $CHROMIUM is still missing" >&2
  exit 1
fi
