#!/usr/bin/env bash
# Install everything, then run the linters, the type checker and the whole test suite.
# Arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/_poetry.sh
source scripts/_local.sh

"$POETRY" install --all-extras
"$POETRY" run ruff check .
"$POETRY" run ruff format --check .
"$POETRY" run mypy app tests
# Debian's Chromium and the pinned axe-core for the browser tests; quick once they are
# there. When one cannot be installed the script says why, and the browser tests skip
# (under CI=true, fail).
./scripts/install-browser.sh || true
"$POETRY" run pytest "$@"
