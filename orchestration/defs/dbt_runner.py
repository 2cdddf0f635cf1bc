"""dbt in the nightly job's own process (dbt's programmatic runner), on the workspace's parse.

A dbt subprocess paid 5-10 s a night before its first model: importing dbt and its adapter,
then reading and checking its partial parse. Here dbt is imported once with the job, the project
is parsed only when its copy, its settings or its target changed (orchestration/transform/dbt_parse.py),
and a build runs on the manifest that parse left: a night parses nothing. Nothing outlives the run either:
there is no dbt process to go on writing after the run lock is released.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, ConfigurableResource
from dagster_dbt import DagsterDbtTranslator
from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets, get_subset_selection_for_context
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

from orchestration.transform.dbt_parse import dbt_arguments

# dbt's events for a finished node: what dagster-dbt turns into materializations and check results
RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})


class DbtBuildError(Exception):
    """dbt's build failed; the message is dbt's errors."""


def load_parsed_manifest(parse_dir: Path):
    """The manifest the last parse saved, ready to build from: what dbt's own partial parse does
    when no file changed (the same file, the same graph maps), without checking every file again."""
    from dbt.contracts.graph.manifest import Manifest
    from dbt.parser.manifest import extended_mashumuro_decoder

    manifest = Manifest.from_msgpack((parse_dir / "partial_parse.msgpack").read_bytes(), decoder=extended_mashumuro_decoder)
    manifest.build_parent_and_child_maps()
    manifest.build_group_map()
    manifest.build_flat_graph()
    return manifest


class InProcessDbtResource(ConfigurableResource):
    """dbt for the nightly build, run in this process on the parse in `parse_dir`."""

    project_dir: str
    target: str
    parse_dir: str

    def cli(self, args: Sequence[str], *, context: AssetExecutionContext, target_path: Path, raise_on_error: bool = True) -> DbtInvocation:
        """As dagster-dbt's `DbtCliResource.cli`: the command, limited to the assets the run selected."""
        manifest, translator, _ = get_manifest_and_translator_from_dbt_assets([context.assets_def])
        selection, indirect_selection = get_subset_selection_for_context(
            context=context, manifest=manifest, select=None, exclude=None, selector=None,
            dagster_dbt_translator=translator, current_dbt_indirect_selection_env=None,
        )
        project_dir = Path(self.project_dir)
        output_dir = project_dir / target_path
        arguments = [*args, *dbt_arguments(project_dir, self.target, output_dir), *selection,
                     *(["--indirect-selection", indirect_selection] if indirect_selection else [])]
        return DbtInvocation(arguments, Path(self.parse_dir), output_dir, context, manifest, translator, raise_on_error)


class DbtInvocation:
    """One dbt command, run in a thread of this process; its results stream as Dagster events."""

    def __init__(self, arguments: list[str], parse_dir: Path, target_path: Path, context: AssetExecutionContext,
                 manifest: dict[str, Any], translator: DagsterDbtTranslator, raise_on_error: bool) -> None:
        self.arguments, self.parse_dir, self.target_path = arguments, parse_dir, target_path
        self.context, self.manifest, self.translator = context, manifest, translator
        self.raise_on_error = raise_on_error
        self.errors: list[str] = []
        self.result = None

    def stream(self) -> Iterator[Any]:
        """Dagster's events (outputs, check results) for each node as dbt finishes it."""
        for raw_event in self.result_events():
            yield from DbtCoreCliEventMessage(raw_event=raw_event, event_history_metadata={}).to_default_asset_events(
                manifest=self.manifest, dagster_dbt_translator=self.translator, context=self.context, target_path=self.target_path)
        if self.raise_on_error and not self.is_successful():
            raise self.get_error()

    def result_events(self) -> Iterator[dict[str, Any]]:
        """dbt's result events as its JSON log would write them, while dbt runs in a thread."""
        from dbt.cli.main import dbtRunner
        from dbt_common.events.functions import msg_to_dict

        finished: queue.SimpleQueue = queue.SimpleQueue()

        def on_event(event) -> None:
            if event.info.name in RESULT_EVENTS:
                finished.put(msg_to_dict(event))
            elif event.info.level == "error":
                self.errors.append(event.info.msg)

        def run() -> None:
            try:
                runner = dbtRunner(manifest=load_parsed_manifest(self.parse_dir), callbacks=[on_event])
                self.result = runner.invoke(self.arguments)
            except Exception as error:  # noqa: BLE001 (a manifest that does not load fails the build like dbt's own errors)
                self.errors.append(f"{type(error).__name__}: {error}")
            finally:
                finished.put(None)

        thread = threading.Thread(target=run, name="dbt", daemon=True)
        thread.start()
        while (raw_event := finished.get()) is not None:
            yield raw_event
        thread.join()
        _close_duckdb_adapter()

    def is_successful(self) -> bool:
        return self.result is not None and self.result.success

    def get_error(self) -> DbtBuildError:
        detail = "\n".join(self.errors) or (str(self.result.exception) if self.result and self.result.exception else "")
        return DbtBuildError(f"dbt {self.arguments[0]} failed" + (f":\n{detail[-3000:]}" if detail else ""))


def _close_duckdb_adapter() -> None:
    """dbt-duckdb keeps its database open for the process's life (closed at exit); the steps after
    the build open the same file with their own settings, which DuckDB refuses while it is open."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None
