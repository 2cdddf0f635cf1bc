"""PostgreSQL publish, against a real server that pytest-postgresql starts for these tests: the
nightly job publishes the marts there, every value equal to the published DuckDB file's; readers
keep a consistent view across a publish; the roles read what they may and nothing else."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pytest
from pytest_postgresql import factories
from workspaces import workspace_for

from connectors.sql import DuckDBLimits
from orchestration.nightly import run_nightly
from orchestration.serving.postgres import (
    READER_ROLE,
    WHOLE_MARTS,
    PostgresPublishError,
    PostgresTarget,
    fitted_name,
    publish_to_postgres,
    team_role,
)

pytestmark = pytest.mark.e2e

postgresql_proc = factories.postgresql_proc(executable=str(Path(__file__).parent / "postgres" / "pg_ctl"), port=None)

DATABASE = "iskpi_bi"
TEAM = "東京SDR"


@pytest.fixture(scope="module")
def server(postgresql_proc):
    with psycopg.connect(host=postgresql_proc.host, port=postgresql_proc.port, user=postgresql_proc.user, dbname="postgres",
                         autocommit=True) as admin:
        admin.execute(f"drop database if exists {DATABASE}")
        admin.execute(f"create database {DATABASE}")
    return postgresql_proc


def dsn(server, user: str | None = None) -> str:
    return psycopg.conninfo.make_conninfo(host=server.host, port=server.port, user=user or server.user, dbname=DATABASE)


@pytest.fixture(scope="module")
def published(server, small_sample, tmp_path_factory) -> Path:
    """The real nightly job over the small sample, with PostgreSQL publishing on."""
    warehouse = tmp_path_factory.mktemp("postgres-workspace") / "iskpi.duckdb"
    workspace = workspace_for(warehouse, small_sample.out_dir, postgres_publish=True, postgres_dsn=dsn(server),
                              postgres_lock_wait_seconds=1.0)
    outcome = run_nightly(workspace, None)
    assert outcome.success, outcome.message
    return warehouse


def target(server, lock_wait: float = 1.0) -> PostgresTarget:
    return PostgresTarget(dsn(server), lock_wait_seconds=lock_wait)


def limits(tmp_path: Path) -> DuckDBLimits:
    return DuckDBLimits(temp_directory=str(tmp_path / "tmp"))


def canonical(value) -> str:
    """One spelling per value, whichever database returned it: equal values, equal strings."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, Decimal)):
        return format(Decimal(value).normalize(), "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return json.dumps([canonical(v) for v in value])
    return repr(value)


def duckdb_rows(warehouse: Path, table: str) -> list[tuple[str, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return sorted(tuple(map(canonical, row)) for row in con.execute(f"select * from {table}").fetchall())


def postgres_rows(pg: psycopg.Connection, table: str) -> list[tuple[str, ...]]:
    return sorted(tuple(map(canonical, row)) for row in pg.execute(f"select * from {table}").fetchall())


def published_tables(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [f"{s}.{t}" for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema = 'marts' or (table_schema = 'audit' and table_name = 'load_files') order by all"
        ).fetchall()]


def copy_of(warehouse: Path, tmp_path: Path, *changes: str) -> Path:
    """The published file with some changes: what a later night would publish."""
    changed = tmp_path / "changed.duckdb"
    shutil.copyfile(warehouse, changed)
    with duckdb.connect(str(changed)) as con:
        for change in changes:
            con.execute(change)
    return changed


def test_every_published_value_equals_the_duckdb_file(published, server):
    tables = published_tables(published)
    assert len(tables) > 30 and "marts.fct_call" in tables and "audit.load_files" in tables
    with psycopg.connect(dsn(server)) as pg:
        pg.execute("set time zone 'UTC'")
        for table in tables:
            assert postgres_rows(pg, table) == duckdb_rows(published, table), table
        types = dict(pg.execute(
            "select table_name || '.' || column_name, data_type from information_schema.columns where table_schema = 'marts'"
        ).fetchall())
        null_rates = pg.execute("select count(*) from marts.kpi_weekly where win_rate is null").fetchone()[0]
    assert types["fct_call.started_at"] == "timestamp with time zone"
    assert types["fct_call.started_date"] == "date"
    assert types["fct_opportunity.amount_in_currency"] == "numeric"  # exact, as DuckDB's DECIMAL(24,6)
    assert types["dim_channel.raw_labels"] == "ARRAY"
    assert types["kpi_daily.connect_rate"] == "double precision"
    assert null_rates > 0  # a week without closed deals has no win rate, not 0
    assert not {c.split(".")[1] for c in types} & {"email", "phone", "contact_name"}


def test_a_night_that_changed_nothing_writes_nothing(published, server, tmp_path):
    report = publish_to_postgres(published, target(server), limits(tmp_path))
    assert report.written == {} and len(report.unchanged) == len(published_tables(published))


def test_a_reader_in_an_open_transaction_keeps_yesterday_and_then_sees_the_new_marts_whole(published, server, tmp_path):
    reader = psycopg.connect(dsn(server, READER_ROLE))
    reader.execute("begin isolation level repeatable read")
    before = reader.execute("select sum(dials), count(*) from marts.kpi_daily").fetchone()
    rep_rows = reader.execute("select count(*) from marts.kpi_monthly where scope_type = 'rep'").fetchone()[0]
    assert rep_rows > 0
    changed = copy_of(published, tmp_path, "update marts.kpi_daily set dials = dials + 1",
                      "delete from marts.kpi_monthly where scope_type = 'rep'")
    # would raise after its 1 s lock wait if it needed a lock the reader's SELECTs hold
    report = publish_to_postgres(changed, target(server), limits(tmp_path))
    assert set(report.written) == {"marts.kpi_daily", "marts.kpi_monthly"}
    assert reader.execute("select sum(dials), count(*) from marts.kpi_daily").fetchone() == before
    assert reader.execute("select count(*) from marts.kpi_monthly where scope_type = 'rep'").fetchone()[0] == rep_rows
    reader.commit()
    assert reader.execute("select sum(dials), count(*) from marts.kpi_daily").fetchone() == (before[0] + before[1], before[1])
    assert reader.execute("select count(*) from marts.kpi_monthly where scope_type = 'rep'").fetchone()[0] == 0
    reader.close()
    publish_to_postgres(published, target(server), limits(tmp_path))  # back to the night's marts for the other tests


def test_a_night_that_changed_one_month_of_calls_replaces_that_month_only(published, server, tmp_path):
    with duckdb.connect(str(published), read_only=True) as con:
        months = [m for (m,) in con.execute("select distinct strftime(started_date, '%Y-%m') from marts.fct_call order by 1").fetchall()]
    changed_month = months[-1]
    in_month = f"started_date >= date '{changed_month}-01' and started_date < date '{changed_month}-01' + interval '1 month'"
    changed = copy_of(
        published, tmp_path, "create table marts.calls_as_published as from marts.fct_call", "drop view marts.fct_call",
        "create table marts.fct_call as select * replace (case when " + in_month + " then talk_seconds + 1 else talk_seconds end"
        " as talk_seconds) from marts.calls_as_published", "drop table marts.calls_as_published",
    )
    other_months = f"select xmin::text, call_id from marts.fct_call where not ({in_month})"
    with psycopg.connect(dsn(server)) as pg:
        untouched_before = sorted(pg.execute(other_months).fetchall())
    report = publish_to_postgres(changed, target(server), limits(tmp_path))
    assert report.written == {"marts.fct_call": [changed_month]} and len(months) > 1
    with psycopg.connect(dsn(server)) as pg:
        pg.execute("set time zone 'UTC'")
        assert postgres_rows(pg, "marts.fct_call") == duckdb_rows(changed, "marts.fct_call")
        assert sorted(pg.execute(other_months).fetchall()) == untouched_before  # the same row versions: not rewritten
    publish_to_postgres(published, target(server), limits(tmp_path))


def test_a_changed_table_waits_for_readers_no_longer_than_configured_and_leaves_the_marts_whole(published, server, tmp_path):
    reader = psycopg.connect(dsn(server, READER_ROLE))
    reader.execute("begin isolation level repeatable read")
    dials = reader.execute("select sum(dials) from marts.kpi_daily").fetchone()[0]
    changed = copy_of(published, tmp_path, "alter table marts.kpi_daily add column note varchar",
                      "update marts.kpi_weekly set dials = dials + 1")
    with pytest.raises(PostgresPublishError, match="postgres_lock_wait_seconds"):
        publish_to_postgres(changed, target(server, lock_wait=1.0), limits(tmp_path))
    with psycopg.connect(dsn(server)) as other:  # nothing of that publish is visible: not the lock-free kpi_weekly either
        assert other.execute("select sum(dials) from marts.kpi_daily").fetchone()[0] == dials
        assert postgres_rows(other, "marts.kpi_weekly") == duckdb_rows(published, "marts.kpi_weekly")
    reader.commit()
    reader.close()
    report = publish_to_postgres(changed, target(server), limits(tmp_path))
    assert set(report.written) == {"marts.kpi_daily", "marts.kpi_weekly"}
    with psycopg.connect(dsn(server, f"{team_role(TEAM)}")) as team:  # the re-created table keeps its row security
        assert team.execute("select count(*) from marts.kpi_daily where note is null").fetchone()[0] == team_daily_rows(published)
    publish_to_postgres(published, target(server), limits(tmp_path))


def test_the_read_only_role_reads_the_marts_and_nothing_else(published, server):
    with psycopg.connect(dsn(server, READER_ROLE), autocommit=True) as reader:
        assert reader.execute("select count(*) from marts.kpi_monthly where scope_type = 'org'").fetchone()[0] > 0
        assert reader.execute("show statement_timeout").fetchone()[0] == "1min"
        assert reader.execute("show lock_timeout").fetchone()[0] == "10s"
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            reader.execute("insert into marts.dim_channel (channel) values ('x')")
        refused = [
            "begin read write; insert into marts.dim_channel (channel) values ('x')",
            "begin read write; delete from marts.kpi_daily",
            "begin read write; create table marts.mine (x int)",
            "select * from audit.load_files",
            "select * from iskpi_staging.published_tables",
        ]
        for statement in refused:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                reader.execute(statement)
            reader.execute("rollback")


def team_daily_rows(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select count(*) from marts.kpi_daily where rep_id in (select rep_id from marts.dim_rep where team = ?)", [TEAM]
        ).fetchone()[0]


def test_a_team_role_reads_only_its_teams_rows(published, server):
    with duckdb.connect(str(published), read_only=True) as con:
        team_reps = {r for (r,) in con.execute("select rep_id from marts.dim_rep where team = ?", [TEAM]).fetchall()}
        all_dates = con.execute("select count(*) from marts.dim_date").fetchone()[0]
        team_calls = con.execute("select count(*) from marts.fct_call where rep_id in (select unnest(?::varchar[]))", [list(team_reps)]).fetchone()[0]
    assert team_reps and team_calls > 0
    with psycopg.connect(dsn(server, team_role(TEAM))) as team:
        assert {r for (r,) in team.execute("select rep_id from marts.dim_rep").fetchall()} == team_reps
        assert team.execute("select count(*) from marts.kpi_daily").fetchone()[0] == team_daily_rows(published)
        assert team.execute("select count(*) from marts.fct_call").fetchone()[0] == team_calls
        scopes = set(team.execute("select distinct scope_type, scope_id from marts.kpi_monthly").fetchall())
        assert scopes == {("team", TEAM)} | {("rep", r) for r in team_reps if ("rep", r) in scopes}
        assert any(kind == "rep" for kind, _ in scopes)
        assert team.execute("select count(*) from marts.kpi_targets_vs_actuals where scope_type = 'org'").fetchone()[0] == 0
        assert team.execute("select count(*) from marts.dim_date").fetchone()[0] == all_dates  # no team column: whole
        # the inbound line and the ramp are split the same way
        assert {r for (r,) in team.execute("select distinct rep_id from marts.fct_inbound_call").fetchall()} == team_reps
        assert {k for (k,) in team.execute("select distinct scope_type from marts.kpi_inbound").fetchall()} == {"team", "rep"}
        assert {t for (t,) in team.execute("select distinct team from marts.kpi_rep_ramp").fetchall()} == {TEAM}
    # a lead's stages are its owner's team's: fct_lead_stage has no team or rep column of its own
    with duckdb.connect(str(published), read_only=True) as con:
        team_stages, all_stages = con.execute(
            "select count(*) filter (where lead_id in (select lead_id from marts.dim_lead where owner_rep_id in "
            "(select unnest(?::varchar[])))), count(*) from marts.fct_lead_stage", [list(team_reps)]).fetchone()
    assert 0 < team_stages < all_stages
    with psycopg.connect(dsn(server, team_role(TEAM))) as team:
        assert team.execute("select count(*) from marts.fct_lead_stage").fetchone()[0] == team_stages


def test_the_marts_a_team_reads_whole_are_exactly_the_listed_ones(published, server):
    with psycopg.connect(dsn(server), autocommit=True) as admin:
        secured = {t for (t,) in admin.execute(
            "select relname from pg_class where relnamespace = 'marts'::regnamespace and relkind = 'r' and relrowsecurity").fetchall()}
        marts = {t for (t,) in admin.execute(
            "select relname from pg_class where relnamespace = 'marts'::regnamespace and relkind = 'r'").fetchall()}
    assert marts - secured == set(WHOLE_MARTS)
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in WHOLE_MARTS)


LONG_TEAM = "東京インサイドセールス第一営業部"  # 16 characters: 48 bytes, `iskpi_team_` + `_rows` make 64


def test_role_and_policy_names_always_fit_and_stay_the_same(tmp_path):
    long_role = team_role(LONG_TEAM)
    assert len(long_role.encode()) <= 63 and long_role == team_role(LONG_TEAM)
    assert team_role(LONG_TEAM + "二") != team_role(LONG_TEAM + "三")  # cut to the same prefix, told apart by the digest
    assert len(fitted_name(long_role + "_rows").encode()) <= 63
    assert team_role(TEAM) == "iskpi_team_" + TEAM  # a name that fits is unchanged


def small_published_file(path: Path, teams: dict[str, list[str]]) -> Path:
    """A published DuckDB file of a few marts: each team's reps, a day of dials each, their leads' stages."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.dim_rep (rep_id varchar, team varchar)")
        con.execute("create table marts.dim_rep_team (rep_id varchar, team varchar)")
        con.execute("create table marts.kpi_daily (rep_id varchar, dials bigint)")
        con.execute("create table marts.dim_lead (lead_id varchar, owner_rep_id varchar)")
        con.execute("create table marts.fct_lead_stage (lead_id varchar, stage varchar)")
        for team, reps in teams.items():
            for rep in reps:
                con.execute("insert into marts.dim_rep values (?, ?)", [rep, team])
                con.execute("insert into marts.dim_rep_team values (?, ?)", [rep, team])
                con.execute("insert into marts.kpi_daily values (?, 10)", [rep])
                con.execute("insert into marts.dim_lead values (?, ?)", [f"L-{rep}", rep])
                con.execute("insert into marts.fct_lead_stage values (?, 'mql'), (?, 'sal')", [f"L-{rep}"] * 2)
    return path


def test_a_long_team_name_publishes_every_night_and_a_second_database_gets_its_grants(server, tmp_path):
    """Policies named past 63 bytes were cut by PostgreSQL and created again the next night
    (DuplicateObject, every night); roles that existed already never got USAGE on another database's marts."""
    published_file = small_published_file(tmp_path / "small.duckdb", {LONG_TEAM: ["RL1", "RL2"], "大阪BDR": ["RO1"]})
    with psycopg.connect(dsn(server), autocommit=True) as admin:
        for database in ("iskpi_long_a", "iskpi_long_b"):
            admin.execute(f"drop database if exists {database}")
            admin.execute(f"create database {database}")
    for database in ("iskpi_long_a", "iskpi_long_a", "iskpi_long_b"):  # two nights, then a second warehouse
        target_db = PostgresTarget(dsn(server).replace(DATABASE, database), lock_wait_seconds=1.0)
        publish_to_postgres(published_file, target_db, limits(tmp_path))
    for database in ("iskpi_long_a", "iskpi_long_b"):
        conninfo = dsn(server, team_role(LONG_TEAM)).replace(DATABASE, database)
        with psycopg.connect(conninfo) as team:
            assert sorted(r for (r,) in team.execute("select rep_id from marts.kpi_daily").fetchall()) == ["RL1", "RL2"]
            assert team.execute("select count(*) from marts.fct_lead_stage").fetchone()[0] == 4
        with psycopg.connect(dsn(server, READER_ROLE).replace(DATABASE, database)) as reader:
            assert reader.execute("select count(*) from marts.kpi_daily").fetchone()[0] == 3
    with psycopg.connect(dsn(server), autocommit=True) as admin:
        comment = admin.execute("select shobj_description(oid, 'pg_authid') from pg_roles where rolname = %s",
                                [team_role(LONG_TEAM)]).fetchone()[0]
    assert LONG_TEAM in comment


def test_iskpi_grants_sets_the_roles_again(published, server):
    import yaml
    from click.testing import CliRunner

    from orchestration.cli.main import main

    config = published.parent / "iskpi.yml"
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    settings.update(warehouse=str(published), postgres_publish=True, postgres_dsn=dsn(server))
    config.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    with psycopg.connect(dsn(server), autocommit=True) as admin:
        admin.execute(f"alter role {READER_ROLE} set statement_timeout = '5s'")  # changed by hand
    granted = CliRunner().invoke(main, ["--workspace", str(published.parent), "grants"])
    assert granted.exit_code == 0, granted.output
    assert READER_ROLE in granted.output and team_role(TEAM) in granted.output
    with psycopg.connect(dsn(server, READER_ROLE)) as reader:
        assert reader.execute("show statement_timeout").fetchone()[0] == "1min"
