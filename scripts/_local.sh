# Sourced by serve.sh and test.sh, which run on a developer's machine: ENVIRONMENT=local
# (default secret and superuser password accepted) unless the environment or .env sets
# ENVIRONMENT. run.sh, what a deployment runs, does not do this.
if [ -z "${ENVIRONMENT:-}" ] && ! grep -qs '^ENVIRONMENT=' .env; then
  export ENVIRONMENT=local
fi
