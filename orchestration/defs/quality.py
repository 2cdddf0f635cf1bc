"""Quality checks on built models that block publishing (SPEC §3).

Activity whose lead cannot be resolved is kept (a cold call to a number not yet in the CRM is
still a dial), but a file in which most of it is unresolved usually means the leads export is
missing or a phone or address column changed its format: such a file stops the publish. A share
of a handful of rows says nothing (a corrected cold call re-exported with its file's other rows,
which are duplicates, brings one new row), so a file is judged once it brings MIN_ROWS_JUDGED rows.
"""

from __future__ import annotations

from dagster import AssetCheckResult, AssetKey, asset_check

from orchestration.defs.resources import WarehouseResource
from orchestration.ingest.loading import connect

UNRESOLVED_LEADS = "unresolved_leads"
MIN_ROWS_JUDGED = 20

# model with a lead_resolution and a source_file_id per row -> what a row is, and how it resolves
RESOLVED_ACTIVITY = {
    "int_calls_dispositioned": ("calls", "phone number"),
    "int_email_messages_rolled_up": ("e-mail messages", "address"),
}


def unresolved_by_file(warehouse: WarehouseResource, model: str) -> list[tuple[int, str, int, int]]:
    """(file_id, file name, rows, unresolved rows) per export file the model's rows came from."""
    with connect(warehouse.work_db, warehouse.duckdb_limits) as con:
        return con.execute(
            f"""
            select f.file_id, f.file_name, count(*), count(*) filter (where a.lead_resolution = 'unresolved')
            from intermediate.{model} a
            inner join audit.load_files f on f.file_id = a.source_file_id
            group by f.file_id, f.file_name
            order by f.file_id
            """
        ).fetchall()


def _build_check(model: str, rows_are: str, matched_by: str):
    @asset_check(
        asset=AssetKey(["intermediate", model]),
        name=UNRESOLVED_LEADS,
        blocking=True,
        description=f"No export file has more of its {rows_are} without a known lead than allowed.",
    )
    def unresolved_leads(warehouse: WarehouseResource) -> AssetCheckResult:
        limit = warehouse.settings.max_unresolved_share
        files = unresolved_by_file(warehouse, model)
        over = [(i, name, n, u) for i, name, n, u in files if n >= MIN_ROWS_JUDGED and u / n > limit]
        problems = [
            f"{name}: {u} of {n} {rows_are} ({u / n:.0%}) name no known lead and match no lead's {matched_by}, "
            f"more than the {limit:.0%} allowed. See them with `iskpi query --work "
            f"\"select * from intermediate.{model} where source_file_id = {i} and lead_resolution = 'unresolved'\"`; "
            f"load the leads they belong to, or raise --max-unresolved-share, and rerun."
            for i, name, n, u in over
        ]
        total, unresolved = sum(f[2] for f in files), sum(f[3] for f in files)
        return AssetCheckResult(
            passed=not problems,
            description="\n".join(problems) or (f"{unresolved} of {total} {rows_are} unresolved; no file of "
                                                 f"{MIN_ROWS_JUDGED} or more over {limit:.0%}"),
            metadata={"files_over_threshold": [name for _, name, _, _ in over], "unresolved": unresolved, "total": total},
        )

    return unresolved_leads


UNRESOLVED_LEAD_CHECKS = [_build_check(model, *about) for model, about in RESOLVED_ACTIVITY.items()]
