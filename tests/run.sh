#!/usr/bin/env bash
# The whole test suite, as CI runs it: `bash tests/run.sh` from anywhere in the checkout.
#
# 1. installs Chromium, PostgreSQL and Redis from Debian if missing (needs root only then);
# 2. installs civicapps with its test extra, plus every bundled plugin in plugins/, in editable mode;
# 3. starts a throwaway PostgreSQL and Redis on 127.0.0.1 (free ports, a temporary directory) and
#    stops them on exit;
# 4. runs pytest on SQLite (everything, browser tests included), then the database tests again on
#    PostgreSQL, each on every core (pytest-xdist). Exits non-zero if either pass fails.
#
# PYTHON picks the interpreter (default python3). A Debian-managed Python (PEP 668) gets a .venv here.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

section() { printf '\n========== %s ==========\n' "$*"; }

is_root() { [ "$(id -u)" -eq 0 ]; }

externally_managed() {
    "$1" -c 'import pathlib, sys, sysconfig
managed = pathlib.Path(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED").exists()
sys.exit(0 if managed and sys.prefix == sys.base_prefix else 1)'
}

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

run_pytest() {
    local label=$1 status=0
    shift
    section "Tests on $label: python -m pytest $*"
    "$PYTHON" -m pytest "$@" || status=$?
    # 5 means no tests were collected: a broken selection, never a pass.
    if [ "$status" -eq 5 ]; then
        echo "pytest collected no tests on $label" >&2
    fi
    return "$status"
}

section "System packages"
missing=()
command -v chromium >/dev/null || missing+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
# PostGIS (Debian's metapackage for its default PostgreSQL) and wrk: the benchmarks' smoke test.
compgen -G '/usr/share/postgresql/*/extension/postgis.control' >/dev/null || missing+=(postgresql-postgis)
command -v wrk >/dev/null || missing+=(wrk)
command -v redis-server >/dev/null || missing+=(redis-server)
# nginx and the sqlite3 shell: the deployment guide's tests (tests/test_deploy.py: proxy example, backup.sh).
command -v nginx >/dev/null || missing+=(nginx-light)
command -v sqlite3 >/dev/null || missing+=(sqlite3)
if ! command -v "$PYTHON" >/dev/null; then
    missing+=(python3 python3-venv)
elif externally_managed "$PYTHON" && [ ! -x .venv/bin/python ] && ! dpkg -s python3-venv >/dev/null 2>&1; then
    missing+=(python3-venv)
fi
if [ "${#missing[@]}" -gt 0 ]; then
    is_root || { echo "Missing ${missing[*]}: run as root, or install them first." >&2; exit 1; }
    echo "Installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q "${missing[@]}"
else
    echo "chromium, postgresql, postgis, wrk, redis-server, nginx and sqlite3 are installed"
fi

section "Python packages"
if externally_managed "$PYTHON"; then
    [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
    PYTHON=.venv/bin/python
fi
"$PYTHON" --version
"$PYTHON" -m pip install -q -e '.[test]'
for plugin in plugins/*; do
    if [ -f "$plugin/pyproject.toml" ]; then
        echo "Installing $plugin"
        "$PYTHON" -m pip install -q -e "$plugin"
    fi
done

# Lint before testing: any ruff finding fails the run (rules in pyproject.toml's [tool.ruff]).
section "Lint: python -m ruff check ."
"$PYTHON" -m ruff check .

section "Throwaway PostgreSQL and Redis on 127.0.0.1"
run_dir=$(mktemp -d -t civicapps-tests.XXXXXX)
pg_bin=$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1)
pg_port=$(free_port)
redis_port=$(free_port)
# PostgreSQL refuses to run as root; as root, run it as the postgres user the Debian package creates.
as_pg=()
if is_root; then
    as_pg=(runuser -u postgres --)
    chown postgres: "$run_dir"
fi

cleanup() {
    redis-cli -h 127.0.0.1 -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
    if [ -f "$run_dir/pg/postmaster.pid" ]; then
        (cd / && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$run_dir/pg" -m immediate stop >/dev/null) || true
    fi
    rm -rf "$run_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The data directory is disposable, so durability is switched off for speed. (cd / because the
# postgres user may not be allowed into the checkout.)
if ! (cd / &&
    "${as_pg[@]}" "$pg_bin/initdb" -D "$run_dir/pg" -U postgres -A trust -E UTF8 --no-locale --no-sync \
        >"$run_dir/initdb.log" 2>&1 &&
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$run_dir/pg" -l "$run_dir/postgresql.log" -w -s start \
        -o "-k $run_dir -h 127.0.0.1 -p $pg_port -c fsync=off -c synchronous_commit=off -c full_page_writes=off"); then
    cat "$run_dir"/*.log >&2
    exit 1
fi
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port"

redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --daemonize yes \
    --dir "$run_dir" --logfile "$run_dir/redis.log"
for _ in $(seq 50); do
    redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.1
done
redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null || { cat "$run_dir/redis.log" >&2; exit 1; }
echo "Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$redis_port"
export CIVICAPPS_TEST_REDIS_URL="redis://127.0.0.1:$redis_port/0"

failed=()
run_pytest SQLite -n auto || failed+=(SQLite)
CIVICAPPS_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$pg_port/postgres" \
    run_pytest PostgreSQL -n auto -m "not browser and not slow" || failed+=(PostgreSQL)

section "Summary"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "FAILED on: ${failed[*]}"
    exit 1
fi
echo "All tests passed on SQLite and PostgreSQL"
