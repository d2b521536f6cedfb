"""Every benchmark script in bench/ still runs, on a tiny size (``--smoke``), and prints its claims.

Performance claims rest on these scripts, and they call into code that keeps changing: a refactor must
not silently break one (bench/planning_alerts.py once crashed on a renamed internal for weeks). No
timing is asserted, only that each script exits 0 and prints the machine's load at its start and end
and at least one per-round ratio line (bench/report.py's format). The PostGIS comparisons run in the
PostgreSQL pass (CIVICAPPS_TEST_DATABASE_URL, with the server's postgis extension available), the rest
once, in the SQLite pass.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SCRIPTS = sorted(path for path in BENCH.glob("*.py") if 'if __name__ == "__main__":' in path.read_text())
NEEDS = {  # tools a script needs beyond the test extra; tests/run.sh installs them
    "street_reports.py": {"wrk": lambda: shutil.which("wrk"), "gunicorn": lambda: find_spec("gunicorn")},
    "open311.py": {"wrk": lambda: shutil.which("wrk"), "gunicorn": lambda: find_spec("gunicorn")},
}
POSTGIS_SCRIPTS = ["notify_matching.py", "planning_alerts.py"]
# Scripts another change is adding; covered here once they have a --smoke option. Any other script
# without one fails: it would otherwise escape this test.
ADDED_ELSEWHERE = {"load.py": "bench/load.py comes with the deployment-load change"}
RATIO = re.compile(r"^ratio .+: per round [^;]+; min \S+ median \S+ max \S+$", re.MULTILINE)


def run_smoke(script: Path, *extra: str) -> str:
    """Run ``script --smoke``; its standard output, after asserting it exited 0 and printed its claims."""
    if script.name in ADDED_ELSEWHERE and "--smoke" not in script.read_text():
        pytest.skip(f"{ADDED_ELSEWHERE[script.name]} and has no --smoke option yet, so it cannot run small here")
    for tool, present in NEEDS.get(script.name, {}).items():
        if not present():
            pytest.skip(f"{script.name} needs {tool} (tests/run.sh installs it)")
    plugins = [str(path) for path in sorted((ROOT / "plugins").iterdir()) if path.is_dir()]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *plugins, os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, str(script), "--smoke", *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{script.name} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert re.search(r"^machine start: load average ", result.stdout, re.MULTILINE), result.stdout
    assert re.search(r"^machine end: load average ", result.stdout, re.MULTILINE), result.stdout
    assert RATIO.search(result.stdout), f"{script.name} printed no per-round ratio line:\n{result.stdout}"
    return result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=[path.name for path in SCRIPTS])
def test_each_bench_script_runs_small_and_prints_its_ratios(script: Path) -> None:
    run_smoke(script)


@pytest.fixture
def postgis_server() -> str:
    url = os.environ.get("CIVICAPPS_TEST_DATABASE_URL")
    if not url:
        pytest.skip("the PostGIS comparisons run in the PostgreSQL pass (CIVICAPPS_TEST_DATABASE_URL)")
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as connection:
            available = connection.scalar(text("SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'"))
    finally:
        engine.dispose()
    assert available, (
        "the PostgreSQL server has no postgis extension: install postgresql-NN-postgis-3 (tests/run.sh does)"
    )
    return url


@pytest.mark.postgres
@pytest.mark.parametrize("name", POSTGIS_SCRIPTS)
def test_the_postgis_comparisons_run_small(name: str, postgis_server: str) -> None:
    out = run_smoke(BENCH / name, "--postgis", postgis_server)
    assert any("PostGIS" in line for line in RATIO.findall(out)), out
