#!/usr/bin/env bash
# Install the service, migrate and seed its database, and serve it (SQLite by default).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/_poetry.sh
source scripts/_local.sh

"$POETRY" install --only main --all-extras
exec "$POETRY" run ./run.sh
