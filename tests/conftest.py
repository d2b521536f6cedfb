"""Shared set-up for the civicapps test suite (the fixtures themselves live in civicapps.testing)."""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from civicapps.settings import ENV_PREFIX

# Where tests find the servers tests/run.sh starts; everything else CIVICAPPS_* is configuration.
TEST_SERVER_ENV = {"CIVICAPPS_TEST_DATABASE_URL", "CIVICAPPS_TEST_REDIS_URL"}


@pytest.fixture(autouse=True)
def _no_civicapps_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep a developer's CIVICAPPS_* settings out of the tests, and each test's out of the next.

    Commands under test may set CIVICAPPS_CONFIG or CIVICAPPS_INSTANCE_PATH themselves; those are
    removed afterwards too, since monkeypatch only restores what it changed.
    """
    for name in _configuration_names():
        monkeypatch.delenv(name)
    yield
    for name in _configuration_names():
        del os.environ[name]


def _configuration_names() -> list[str]:
    return [name for name in os.environ if name.startswith(ENV_PREFIX) and name not in TEST_SERVER_ENV]
