"""KPIs by name through the semantic layer: MetricFlow's engine in this process, on the
workspace's semantic manifest, reading the published warehouse read-only.

`mf query` answers the same (README), but it is a program of its own that imports dbt to read a
profile and reach DuckDB through dbt's adapter: ~4 s a call, of which the query is 0.1 s. Here
MetricFlow renders its SQL for DuckDB and a read-only DuckDB connection runs it
(orchestration/transform/metricflow_duckdb.py), and a name the layer does not know is refused before
MetricFlow is imported.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from orchestration.transform.dbt_parse import ensure_dbt_manifest, parse_dir
from orchestration.workspace import Workspace


class SemanticLayerError(Exception):
    """A question the semantic layer cannot answer, in words a user can act on."""


@dataclass(frozen=True)
class MetricsQuestion:
    metrics: Sequence[str]
    group_by: Sequence[str]
    where: Sequence[str] = ()
    order: Sequence[str] = ()  # none: what it is grouped by, not the engine's order
    limit: int | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None


def semantic_manifest(workspace: Workspace) -> Path:
    """The workspace's semantic manifest, parsed again first if the project or a mapping changed."""
    ensure_dbt_manifest(workspace)
    return parse_dir(workspace.root) / "semantic_manifest.json"


def check_metric_names(manifest: Path, names: Sequence[str]) -> None:
    """Refuse a name the semantic layer does not know, with the nearest ones."""
    known = sorted(metric["name"] for metric in json.loads(manifest.read_text(encoding="utf-8"))["metrics"])
    for name in names:
        if name not in known:
            near = difflib.get_close_matches(name, known, n=3)
            raise SemanticLayerError(f"no KPI named {name!r} in the semantic layer"
                                     + (f"; did you mean {', '.join(near)}?" if near else "")
                                     + " The names are in docs/kpi_reference.md.")


def ask(workspace: Workspace, warehouse: Path, question: MetricsQuestion, explain: bool = False):
    """The answer as MetricFlow's data table, or with `explain` the SQL the question runs as."""
    manifest = semantic_manifest(workspace)
    check_metric_names(manifest, question.metrics)
    import duckdb
    from metricflow_semantics.errors.error_classes import MetricFlowException

    from orchestration.transform.metricflow_duckdb import WarehouseBusy, metricflow_engine, query_request

    request = query_request(question)
    try:
        with metricflow_engine(manifest, warehouse) as engine:
            if explain:
                return engine.explain(request).sql_statement.without_descriptions.sql
            return engine.query(request).result_df
    except WarehouseBusy:
        raise SemanticLayerError(f"{warehouse} is being written by a run; ask again when the run has finished") from None
    except MetricFlowException as error:  # its messages say what it could not resolve and suggest names
        raise SemanticLayerError(f"the semantic layer could not answer: {error}") from None
    except duckdb.Error as error:
        raise SemanticLayerError(f"the query failed: {str(error).splitlines()[0]}") from None
