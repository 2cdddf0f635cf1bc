"""The vendor exports of tests/vendor_exports.py as EL tools land them instead of as CSV files,
written from the tools' documented shapes, independently of the readers:

- Salesforce as Fivetran syncs it into PostgreSQL: a schema of snake_case tables named after the
  objects (`user`, `lead`, …), typed columns (instants as timestamptz, booleans, numbers), and
  `_fivetran_synced` / `_fivetran_deleted` on every row;
- Account Engagement as dlt's filesystem destination lands it: `<table>/<load_id>.<file_id>.parquet`
  with dlt's `_dlt_load_id` and `_dlt_id` columns, instants as UTC timestamps, and dlt's own
  `_dlt_loads/` table and `init` marker beside them;
- MiiTel as an Airbyte file destination lands a stream: gzipped JSON Lines whose records carry the
  export's fields (as text) and `_airbyte_raw_id`, `_airbyte_extracted_at`, `_airbyte_meta`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

# Fivetran names a table after its Salesforce object
FIVETRAN_TABLES = {"User.csv": "user", "leads_20260508.csv": "lead", "lead_history.csv": "lead_history",
                   "opportunity.csv": "opportunity", "opportunity_history.csv": "opportunity_history"}
PG_TYPES = {"BOOLEAN": "boolean", "BIGINT": "bigint", "DOUBLE": "double precision", "DATE": "date",
            "TIMESTAMP": "timestamptz", "TIMESTAMP WITH TIME ZONE": "timestamptz"}
DLT_LOAD_ID = "1778205600.123456"


def template_files(exports: Path, inbox: Path) -> Path:
    """The team's own sheets (the template files at the exports' top), as they are."""
    inbox.mkdir(parents=True, exist_ok=True)
    for path in exports.glob("*.csv"):
        shutil.copy2(path, inbox / path.name)
    return inbox


def fivetran_sync(dsn: str, exports: Path, schema: str, objects: list[str], synced_at: str) -> dict[str, int]:
    """Sync the named objects' rows into `schema` as Fivetran does (the table made on its first
    sync), stamped `synced_at`: rows per table."""
    synced = {}
    with duckdb.connect() as duck, psycopg.connect(dsn, autocommit=True) as pg:
        duck.execute("set TimeZone = 'UTC'")
        pg.execute("set timezone = 'UTC'")
        pg.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
        for file_name, table in FIVETRAN_TABLES.items():
            if table not in objects:
                continue
            scan = f"read_csv('{exports / 'salesforce' / file_name}', header = true)"
            columns = [(name, kind) for name, kind, *_ in duck.execute(f"describe select * from {scan}").fetchall()
                       if name not in ("_fivetran_synced", "_fivetran_deleted")]
            relation = sql.Identifier(schema, table)
            definitions = [sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(PG_TYPES.get(kind, "text"))) for name, kind in columns]
            definitions += [sql.SQL("_fivetran_deleted boolean"), sql.SQL("_fivetran_synced timestamptz")]
            pg.execute(sql.SQL("create table if not exists {} ({})").format(relation, sql.SQL(", ").join(definitions)))
            # Salesforce's datetimes are UTC: an offset-less CSV instant becomes one in UTC
            selected = ", ".join(f'"{name}"' for name, _ in columns)
            rows = duck.execute(f"select {selected} from {scan}").fetchall()
            with pg.cursor().copy(sql.SQL("copy {} ({}) from stdin").format(
                    relation, sql.SQL(", ").join(sql.Identifier(name) for name, _ in columns))) as copy:
                for row in rows:
                    copy.write_row(row)
            pg.execute(sql.SQL("update {} set _fivetran_deleted = false, _fivetran_synced = %s where _fivetran_synced is null")
                       .format(relation), [synced_at])
            synced[table] = len(rows)
    return synced


def fivetran_resync(dsn: str, schema: str, table: str, record_id: str, synced_at: str) -> None:
    """Fivetran syncs a record again (its SystemModstamp moved, nothing we read changed): the same
    row, a later `_fivetran_synced`."""
    with psycopg.connect(dsn, autocommit=True) as pg:
        pg.execute(sql.SQL("update {} set _fivetran_synced = %s where id = %s").format(sql.Identifier(schema, table)),
                   [synced_at, record_id])


def dlt_parquet(exports: Path, inbox: Path, system: str = "account_engagement") -> Path:
    """The system's CSVs as dlt's filesystem destination lands them, in `inbox/<system>/`."""
    folder = inbox / system
    (folder / "_dlt_loads").mkdir(parents=True, exist_ok=True)
    (folder / "init").write_text("")
    with duckdb.connect() as duck:
        duck.execute("set TimeZone = 'UTC'")
        duck.execute(f"copy (select '{DLT_LOAD_ID}' as load_id, 'iskpi' as schema_name, 0 as status) "
                     f"to '{folder / '_dlt_loads' / (DLT_LOAD_ID + '.parquet')}' (format parquet)")
        for number, path in enumerate(sorted((exports / system).glob("*.csv"))):
            scan = f"read_csv('{path}', header = true, all_varchar = true)"
            names = [name for name, *_ in duck.execute(f"describe select * from {scan}").fetchall()]
            # dlt parses an instant (`… UTC`) into a UTC timestamp; everything else stays as the API gave it
            columns = [f"cast(replace(\"{n}\", ' UTC', '+00') as timestamptz) as \"{n}\"" if n == "created_at" else f'"{n}"'
                       for n in names]
            (folder / path.stem).mkdir(exist_ok=True)
            duck.execute(f"copy (select {', '.join(columns)}, '{DLT_LOAD_ID}' as _dlt_load_id, md5(\"id\") as _dlt_id from {scan}) "
                         f"to '{folder / path.stem / f'{DLT_LOAD_ID}.{number:06x}.parquet'}' (format parquet)")
    return folder


def airbyte_jsonl(exports: Path, inbox: Path, system: str = "miitel") -> Path:
    """The system's CSVs (CP932, as MiiTel writes them) as an Airbyte file destination lands a
    stream: gzipped JSON Lines with Airbyte's columns, in `inbox/<system>/<stream>/`."""
    folder = inbox / system / "calls"
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as duck:
        for number, path in enumerate(sorted((exports / system).glob("*.csv"))):
            utf8 = folder / f".{number}.csv"
            utf8.write_text(path.read_text(encoding="cp932"), encoding="utf-8")
            duck.execute(
                f"copy (select gen_random_uuid()::varchar as _airbyte_raw_id, '2026-05-08T02:00:00.000Z' as _airbyte_extracted_at, "
                f"'{{\"changes\": []}}'::json as _airbyte_meta, * from read_csv('{utf8}', header = true, all_varchar = true)) "
                f"to '{folder / f'2026_05_08_1778205600000_{number}.jsonl.gz'}' (format json, compression gzip)"
            )
            utf8.unlink()
    return folder
