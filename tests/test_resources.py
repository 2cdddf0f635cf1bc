"""What a run's DuckDB sessions may take: the workspace's memory limit, temp folder and threads
reach every session (loader, Great Expectations, dbt, publish), and work past the limit spills."""

from __future__ import annotations

import re

import duckdb
import pytest
import sqlalchemy as sa
import yaml

from connectors.sql import DuckDBLimits
from orchestration.defs.resources import WarehouseResource
from orchestration.ingest.loading import connect
from orchestration.paths import DBT_PROJECT_DIR
from orchestration.settings import Settings
from orchestration.workspace import init_workspace, load_workspace

SETTINGS_SQL = "select current_setting('memory_limit'), current_setting('threads'), current_setting('temp_directory')"


@pytest.fixture
def limited_workspace(tmp_path):
    workspace = init_workspace(tmp_path / "team")
    config = workspace.config_file.read_text(encoding="utf-8")
    config = re.sub(r"^duckdb_memory_limit: 3GB", "duckdb_memory_limit: 1GB", config, flags=re.MULTILINE)
    config = re.sub(r"^duckdb_threads:", "duckdb_threads: 1", config, flags=re.MULTILINE)
    workspace.config_file.write_text(config, encoding="utf-8")
    return load_workspace(workspace.root)


def test_a_new_workspace_bounds_duckdb_at_4_gib():
    assert Settings().duckdb_memory_limit == "3GB"


def test_the_workspace_limits_reach_the_loader_and_great_expectations(limited_workspace):
    from expectations.gx_validation import sqlalchemy_arguments  # GX takes seconds to import

    warehouse = WarehouseResource.for_workspace(limited_workspace)
    limits = warehouse.duckdb_limits
    expected = ("953.6 MiB", 1, str(warehouse.work_dir / "tmp"))  # 1 GB as DuckDB prints it
    with connect(warehouse.work_db, limits) as con:
        assert con.execute(SETTINGS_SQL).fetchone() == expected
        how_gx_connects = sqlalchemy_arguments(con)
        engine = sa.create_engine(how_gx_connects["connection_string"], **how_gx_connects["kwargs"])
        try:
            with engine.connect() as gx_con:
                assert tuple(gx_con.execute(sa.text(SETTINGS_SQL)).fetchone()) == expected
        finally:
            engine.dispose()


def test_dbt_reads_every_limit_the_run_sets():
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    settings = profile["iskpi"]["outputs"]["work"]["config_options"]  # set once, when the database opens
    environment = DuckDBLimits(temp_directory="/t").environment()
    for name in ("memory_limit", "temp_directory", "threads"):
        assert re.match(rf"{{{{ env_var\('ISKPI_DUCKDB_{name.upper()}'", settings[name]), name
        assert f"ISKPI_DUCKDB_{name.upper()}" in environment
    # dbt run by hand, without the run's environment, takes the same default as every session of a run
    assert settings["memory_limit"] == f"{{{{ env_var('ISKPI_DUCKDB_MEMORY_LIMIT', '{DuckDBLimits.memory_limit}') }}}}"


SORT_PAST_THE_LIMIT = "select count(*) from (select i, md5(i::varchar) as text from range(3000000) t(i) order by text)"  # ≈ 150 MB


def test_work_past_the_memory_limit_spills_to_the_temp_folder(tmp_path):
    spilling = DuckDBLimits(temp_directory=str(tmp_path / "spill"), memory_limit="64MB", threads=1)
    with spilling.apply(duckdb.connect(str(tmp_path / "spilling.duckdb"))) as con:
        assert con.execute(SORT_PAST_THE_LIMIT).fetchone() == (3_000_000,)
    # the same work without a temp folder does not fit: the limit is real
    with DuckDBLimits(temp_directory="", memory_limit="64MB", threads=1).apply(duckdb.connect(str(tmp_path / "bounded.duckdb"))) as con:
        with pytest.raises(duckdb.OutOfMemoryException):
            con.execute(SORT_PAST_THE_LIMIT).fetchone()
