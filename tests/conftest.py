"""Shared fixtures. Every test runs in an empty folder of its own with no workspace in the
environment, so nothing reads the user's warehouse or workspace, whatever folder pytest started in."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from workspaces import run_nightly

from orchestration.nightly import NightlyOutcome
from orchestration.paths import SAMPLE_INPUT_DIR
from orchestration.sample import Sample, generate
from orchestration.transform.parse_cache import PARSE_CACHE_ENV

OWN_PARSE_CACHE = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """The suite's workspaces share their dbt parses (orchestration/transform/parse_cache.py) in a folder of
    the run's own, never the user's cache. Set before the workers start, so they inherit it."""
    if not hasattr(config, "workerinput"):  # the controller, or the only process
        os.environ[PARSE_CACHE_ENV] = tempfile.mkdtemp(prefix="iskpi-test-parses-")
        config.stash[OWN_PARSE_CACHE] = os.environ[PARSE_CACHE_ENV]


def pytest_unconfigure(config: pytest.Config) -> None:
    if OWN_PARSE_CACHE in config.stash:
        shutil.rmtree(config.stash[OWN_PARSE_CACHE], ignore_errors=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest modules first, so the workers (pyproject.toml's addopts) end together rather
    than one starting Spark's ten minutes when the others have finished: Spark's, then the other
    end-to-end tests, then the unit tests, each in the order collected."""
    items.sort(key=lambda item: 0 if item.get_closest_marker("spark") else 1 if item.get_closest_marker("e2e") else 2)


@pytest.fixture(autouse=True)
def away_from_any_workspace(tmp_path, monkeypatch):
    monkeypatch.delenv("ISKPI_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def con():
    """An in-memory DuckDB connection with the normal-form macros of connectors/normalize.py."""
    import duckdb

    from connectors import normalize

    connection = duckdb.connect()
    normalize.install(connection, "Asia/Tokyo")
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def small_sample(tmp_path_factory) -> Sample:
    """Two months of four reps: small enough to run the real job quickly, big enough to mean something."""
    return generate(tmp_path_factory.mktemp("sample"), seed=7, reps=4, months=2)


@pytest.fixture(scope="session")
def sample_run(small_sample, tmp_path_factory) -> tuple[Sample, Path, NightlyOutcome]:
    warehouse = tmp_path_factory.mktemp("warehouse") / "iskpi.duckdb"
    outcome = run_nightly(small_sample.out_dir, warehouse)
    return small_sample, warehouse, outcome


@pytest.fixture(scope="session")
def fixture_run(tmp_path_factory) -> tuple[Path, Path]:
    """The hand-worked KPI fixture's exports (tests/kpi_fixture.py) and the warehouse the real job
    published from them, built once for every test that only reads it."""
    import kpi_fixture

    exports = kpi_fixture.write(tmp_path_factory.mktemp("kpi_fixture"))
    warehouse = tmp_path_factory.mktemp("kpi_warehouse") / "iskpi.duckdb"
    outcome = run_nightly(exports, warehouse)
    assert outcome.success, outcome.message
    return exports, warehouse


@pytest.fixture(scope="session")
def bundled_run(tmp_path_factory) -> Path:
    """The bundled sample (three complete months, as README's first command loads it), published."""
    warehouse = tmp_path_factory.mktemp("bundled") / "iskpi.duckdb"
    outcome = run_nightly(SAMPLE_INPUT_DIR, warehouse)
    assert outcome.success, outcome.message
    return warehouse
