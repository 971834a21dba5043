# Sourced by the other scripts: sets $POETRY to a working poetry.
# $POETRY if given, else `poetry` on PATH, else one installed with pip into .tools/.
if [ -z "${POETRY:-}" ]; then
  if command -v poetry >/dev/null 2>&1; then
    POETRY=poetry
  else
    if [ ! -x .tools/poetry/bin/poetry ]; then
      echo "poetry not found: installing it into .tools/poetry" >&2
      python3 -m venv .tools/poetry
      .tools/poetry/bin/pip install --quiet poetry
    fi
    POETRY=$PWD/.tools/poetry/bin/poetry
  fi
fi
# The project's virtualenv lives in .venv, wherever poetry is configured to put others.
export POETRY_VIRTUALENVS_IN_PROJECT=true
