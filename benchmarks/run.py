"""Time the warehouse against the floor and against pandas, on one team's generated exports.

    python -m benchmarks.run --scale team            # ≈ 2 min
    python -m benchmarks.run --scale enterprise      # ≈ 4 GB of CSV; give it the better part of an hour
    python -m benchmarks.run --scale team --engine spark   # the same runs with dbt on Spark (local mode)

In one run, on the same files (benchmarks/generate.py): the floor (benchmarks/floor.py), a full
`iskpi run` over the history in a fresh workspace, a one-day nightly delta on top of it, a night
with nothing new after that, two `iskpi metrics` calls (a question, a misspelled name), a night of
the reps alone in another fresh workspace (what every night costs before its rows: each model and
test over empty tables), and the pandas script (benchmarks/pandas_kpi_daily.py). Each step is a
child process, timed wall-clock, with its peak RSS (the largest process it ran). The three
kpi_daily results are compared cell by cell, so a fast wrong answer shows. Figures are printed
and written to RESULTS/<scale>-<time>.json.
Benchmarks are figures, not tests: nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from benchmarks.generate import SCALES, last_export_day
from orchestration.settings import ENGINES
from orchestration.transform.parse_cache import PARSE_CACHE_ENV
from orchestration.workspace import segments_dir

CORE_COLUMNS = ["dials", "rang_calls", "connected_calls", "effective_contacts", "connected_talk_seconds",
                "emails_sent", "emails_opened", "emails_replied", "meetings_set", "leads_assigned"]


@dataclass
class Step:
    name: str
    seconds: float
    peak_rss_mib: float
    exit_code: int


def timed(name: str, command: list[str], cwd: Path, log: Path, expected_exit: int = 0) -> Step:
    """Run a child process to completion; its wall time and the peak RSS of its largest process."""
    started = time.perf_counter()
    with log.open("ab") as output:
        child = subprocess.Popen(command, cwd=cwd, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
    step = Step(name, round(time.perf_counter() - started, 1), round(usage.ru_maxrss / 1024, 1), os.waitstatus_to_exitcode(status))
    mark = "✓" if step.exit_code == expected_exit else f"✗ exit {step.exit_code} (see {log})"
    print(f"{mark} {name:<34}{step.seconds:>9.1f} s {step.peak_rss_mib:>9.0f} MiB peak RSS", flush=True)
    return step


def size_mib(*paths: Path) -> float:
    files = [f for path in paths for f in ([path] if path.is_file() else path.rglob("*")) if f.is_file()]
    return round(sum(f.stat().st_size for f in files) / 2**20, 1)


def link_into(source: Path, inbox: Path) -> None:
    """Drop exports in the inbox as hard links (the loader never follows symlinks)."""
    for path in sorted(source.glob("*.csv")):
        os.link(path, inbox / path.name)


def kpi_daily_agreement(results: dict[str, Path]) -> dict[str, int]:
    """Cells where each result differs from the floor's, over the core columns (0 everywhere: they agree)."""
    frames = {}
    for name, path in results.items():
        frame = pd.read_parquet(path)
        frame["activity_date"] = pd.to_datetime(frame["activity_date"])
        frames[name] = frame.set_index(["activity_date", "rep_id"])[CORE_COLUMNS].astype("int64")
    floor = frames.pop("floor")
    differing = {}
    for name, frame in frames.items():
        cells = floor.index.union(frame.index)  # a row only one side has counts as differing
        differing[name] = int((frame.reindex(cells, fill_value=0) != floor.reindex(cells, fill_value=0)).to_numpy().sum())
    return differing


def run(scale: str, data_dir: Path, results_dir: Path, engine: str = "duckdb") -> dict:
    exports = data_dir / scale
    last_day = last_export_day()
    repo = Path(__file__).resolve().parent.parent
    if not (exports / "history").exists() or not any((exports / "delta").glob(f"*_{last_day:%Y%m%d}.csv")):
        shutil.rmtree(exports, ignore_errors=True)
        started = time.perf_counter()
        # a child process: the peak RSS Linux reports for a child includes what its parent held at
        # the fork, so a generator run in this process would be counted in every step
        subprocess.run([sys.executable, "-m", "benchmarks.generate", "--scale", scale, "--out", str(exports),
                        "--last-day", last_day.isoformat()], cwd=repo, check=True, stdout=subprocess.DEVNULL)
        print(f"generated {scale} exports ending {last_day} in {time.perf_counter() - started:.0f} s", flush=True)
    history, delta = exports / "history", exports / "delta"
    work = data_dir / f"{scale}-{engine}-run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log = work / "benchmark.log"
    # a first night as a new user's: no parse kept from another workspace (orchestration/transform/parse_cache.py)
    os.environ[PARSE_CACHE_ENV] = str(work / "parse-cache")
    python = sys.executable
    iskpi = str(Path(python).with_name("iskpi"))
    workspace = work / "workspace"

    steps = [timed("floor (DuckDB, one pass)", [python, "-m", "benchmarks.floor", str(history), str(work / "floor.parquet")], repo, log)]
    subprocess.run([iskpi, "init", str(workspace), "--engine", engine], check=True, capture_output=True)
    link_into(history, workspace / "inbox")
    steps.append(timed("iskpi run (full)", [iskpi, "run"], workspace, log))
    warehouse = workspace / "warehouse" / "iskpi.duckdb"
    work_db = workspace / ".iskpi" / "work"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(f"copy (select activity_date, rep_id, {', '.join(CORE_COLUMNS)} from marts.kpi_daily) "
                    f"to '{work / 'iskpi.parquet'}' (format parquet)")
    def disk_use() -> dict[str, float]:
        return {"published_mib": size_mib(warehouse, segments_dir(warehouse)), "work_mib": size_mib(work_db)}

    disk_after_full = disk_use()
    link_into(delta, workspace / "inbox")
    steps.append(timed("iskpi run (one-day delta)", [iskpi, "run"], workspace, log))
    steps.append(timed("iskpi run (nothing new)", [iskpi, "run"], workspace, log))
    steps.append(timed("iskpi metrics (a question)", [iskpi, "metrics", "dials,connect_rate", "--group-by", "metric_time__week,rep__team"],
                       workspace, log))
    steps.append(timed("iskpi metrics (a misspelled name)", [iskpi, "metrics", "conect_rate"], workspace, log, expected_exit=1))
    # what any night costs before its rows: every model and test over empty tables (reps alone)
    empty = work / "empty-workspace"
    subprocess.run([iskpi, "init", str(empty), "--engine", engine], check=True, capture_output=True)
    os.link(history / "reps.csv", empty / "inbox" / "reps.csv")
    steps.append(timed("iskpi run (reps alone)", [iskpi, "run"], empty, log))
    pandas_script = [python, "-m", "benchmarks.pandas_kpi_daily", str(history), str(work / "pandas.parquet")]
    steps.append(timed("pandas script (kpi_daily)", pandas_script, repo, log))

    by_name = {step.name: step for step in steps}
    floor, full = by_name["floor (DuckDB, one pass)"].seconds, by_name["iskpi run (full)"].seconds
    delta_s, pandas_s = by_name["iskpi run (one-day delta)"].seconds, by_name["pandas script (kpi_daily)"].seconds
    idle_s, reps_alone_s = by_name["iskpi run (nothing new)"].seconds, by_name["iskpi run (reps alone)"].seconds
    figures = {
        "scale": scale, "engine": engine, "reps_x_months": f"{SCALES[scale].is_reps}x{SCALES[scale].months}", "last_day": str(last_day),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB",
        "csv_mib": size_mib(history), "delta_csv_mib": size_mib(delta),
        "steps": [asdict(step) for step in steps],
        "full_over_floor": round(full / floor, 1), "delta_share_of_full": round(delta_s / full, 3),
        "nothing_new_over_floor": round(idle_s / floor, 1), "reps_alone_share_of_full": round(reps_alone_s / full, 3),
        "metrics_seconds": by_name["iskpi metrics (a question)"].seconds,
        "metrics_misspelled_seconds": by_name["iskpi metrics (a misspelled name)"].seconds,
        "pandas_over_floor": round(pandas_s / floor, 1),
        "disk_after_full": disk_after_full,
        "disk_after_delta": disk_use(),
        "kpi_daily_cells_differing_from_floor": kpi_daily_agreement(
            {"floor": work / "floor.parquet", "iskpi": work / "iskpi.parquet", "pandas": work / "pandas.parquet"}),
    }
    print(f"CSV {figures['csv_mib']:,.0f} MiB; dbt on {engine}; full run {figures['full_over_floor']}× the floor; "
          f"delta {figures['delta_share_of_full']:.0%} of the full run; reps alone (every model and test over empty tables) "
          f"{figures['reps_alone_share_of_full']:.0%}; a night with nothing new {figures['nothing_new_over_floor']}× the floor; "
          f"pandas {figures['pandas_over_floor']}× the floor; "
          f"iskpi metrics {figures['metrics_seconds']} s ({figures['metrics_misspelled_seconds']} s for a misspelled name)")
    print(f"disk after full run: published {disk_after_full['published_mib']:,.0f} MiB, work {disk_after_full['work_mib']:,.0f} MiB; "
          f"after delta: published {figures['disk_after_delta']['published_mib']:,.0f} MiB, work {figures['disk_after_delta']['work_mib']:,.0f} MiB")
    print(f"kpi_daily cells differing from the floor: {figures['kpi_daily_cells_differing_from_floor']}")
    results_dir.mkdir(parents=True, exist_ok=True)
    result_file = results_dir / f"{scale}{'' if engine == 'duckdb' else '-' + engine}-{datetime.now():%Y%m%d-%H%M%S}.json"
    result_file.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"figures in {result_file}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="team")
    parser.add_argument("--data", type=Path, default=Path("benchmarks/.data"), help="where exports and run folders go (≈ 2× the CSV)")
    parser.add_argument("--results", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--engine", choices=ENGINES, default="duckdb", help="what dbt builds on (iskpi.yml `engine`)")
    args = parser.parse_args()
    run(args.scale, args.data.resolve(), args.results.resolve(), args.engine)


if __name__ == "__main__":
    main()
