#!/usr/bin/env bash
# The whole suite: lint, types, then the same tests on SQLite and on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"

# The Spark path of the victim linkage is tested too, and Spark needs a Java runtime.
if ! command -v java >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing a Java runtime for Spark (Debian's default-jre-headless)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends default-jre-headless >/dev/null
  else
    echo "The Spark tests need a Java runtime: sudo apt-get install default-jre-headless" >&2
    exit 1
  fi
fi

# The browser tests drive Debian's chromium through Playwright; no browser is downloaded.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing Debian's chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends chromium >/dev/null
  else
    echo "The browser tests need Debian's chromium: sudo apt-get install chromium" >&2
    exit 1
  fi
fi

echo "== ruff"
"$VENV/bin/ruff" check src tests benchmarks
echo "== mypy (strict on the pure layers)"
"$VENV/bin/mypy"

# Two workers by default (the suite is mostly waiting on subprocesses and databases);
# CIVHARM_TEST_WORKERS=0 runs it in one process.
WORKERS="${CIVHARM_TEST_WORKERS:-2}"

echo "== pytest on SQLite"
CIVHARM_TEST_BACKEND=sqlite "$VENV/bin/pytest" -n "$WORKERS" "$@"

echo "== pytest on PostgreSQL (tests of the pure layers ran once, above)"
trap 'scripts/pg-test.sh stop' EXIT
url="$(scripts/pg-test.sh start)"
CIVHARM_ALLOW_NON_DURABLE=true CIVHARM_TEST_BACKEND=postgresql CIVHARM_TEST_PURE_ONCE=1 \
    CIVHARM_TEST_DATABASE_URL="$url" \
    "$VENV/bin/pytest" -n "$WORKERS" "$@"
