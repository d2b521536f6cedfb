"""``import civicapps`` and the ``civicapps`` command load only what they use.

Every CLI call in a script, and every plugin's import, pays for what ``import civicapps`` imports;
the heavy libraries are loaded by the public names and commands that need them, when first used.
Checked in a fresh interpreter (``sys.modules`` after the work), never by timing.
"""
import json
import os
import subprocess
import sys

import pytest

#: Imported only by the names and commands that need them.
HEAVY = ("sqlalchemy", "numpy", "shapely", "pyproj", "apprise", "flask_babel")


def modules_loaded_by(code: str) -> set[str]:
    """Top-level packages in ``sys.modules`` after a fresh interpreter runs ``code``."""
    report = "import json, sys; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\n{report}"], capture_output=True, text=True, env=os.environ, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_import_civicapps_loads_no_heavy_library():
    assert modules_loaded_by("import civicapps") & {*HEAVY, "flask", "pydantic"} == set()


def test_a_public_name_loads_what_it_needs_when_used():
    assert {"sqlalchemy"} <= modules_loaded_by("import civicapps\ncivicapps.Model")


@pytest.mark.parametrize("name", ["flask_babel", "numpy"])
def test_the_heavy_check_sees_a_heavy_import(name):
    assert name in modules_loaded_by(f"import civicapps\nimport {name}")
