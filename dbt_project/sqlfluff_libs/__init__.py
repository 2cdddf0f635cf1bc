"""What dbt hands a model at compile time, as sqlfluff's jinja templater needs it to render ours
(`.sqlfluff`, `library_path`): `adapter.dispatch` resolves to the DuckDB (else the default)
implementation, as dbt-duckdb's does; `config` is callable in a model and readable in a macro;
`graph.metrics` holds the KPI catalogue (semantic/_kpi_metrics.yml), which kpi_names and
kpi_denominators read. sqlfluff supplies the rest of dbt's builtins (ref, source, var, return)."""

from pathlib import Path
from types import SimpleNamespace

import yaml
from jinja2 import pass_context

METRICS_YML = Path(__file__).resolve().parents[1] / "models" / "marts" / "semantic" / "_kpi_metrics.yml"


@pass_context
def _dispatch(context, macro_name: str, macro_namespace: str | None = None):
    for implementation in (f"duckdb__{macro_name}", f"default__{macro_name}"):
        macro = context.get(implementation)
        if macro is not None:
            return macro
    raise LookupError(f"no duckdb__ or default__ implementation of {macro_name}")


class _Adapter:
    dispatch = staticmethod(_dispatch)


class _Config:
    def __call__(self, *args, **kwargs) -> str:
        return ""

    def get(self, name: str, default=None):
        return default


adapter = _Adapter()
config = _Config()


def _metric(definition: dict) -> SimpleNamespace:
    denominator = (definition.get("type_params") or {}).get("denominator")
    if isinstance(denominator, str):
        denominator = SimpleNamespace(name=denominator)
    elif isinstance(denominator, dict):
        denominator = SimpleNamespace(name=denominator["name"])
    return SimpleNamespace(name=definition["name"], config=SimpleNamespace(meta=(definition.get("config") or {}).get("meta") or {}),
                           type_params=SimpleNamespace(denominator=denominator))


execute = True
graph = SimpleNamespace(
    metrics={m["name"]: _metric(m) for m in yaml.safe_load(METRICS_YML.read_text(encoding="utf-8"))["metrics"]},
    sources={},
)
