#!/usr/bin/env bash
# Get the database ready for the service. Every step must succeed, or nothing starts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
PYTHON=${PYTHON:-python}

# 1. Wait for the database to answer (bounded by DB_WAIT_SECONDS).
"$PYTHON" -m app.backend_pre_start

# 2. Bring the schema to the latest migration.
"$PYTHON" -m alembic upgrade head

# 3. Seed the first superuser and the starter recipes; adds only what is missing.
"$PYTHON" -m app.initial_data
