"""A real team's night, as a new user lives it: the wheel installed in a fresh virtual
environment, `iskpi init`, exports that end yesterday by the clock dropped in the inbox, two
nights run. Night one brings a channel label nobody mapped, meetings booked for the coming days,
and a call by a rep the reps export does not know yet; night two brings that rep and the next
calls export, and the call is re-admitted. Every kpi_daily cell is checked against the
generator's own tally plus that call; a second run while one is going ends with one line."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest
from kpi_checks import assert_kpi_daily_matches

from orchestration.sample import generate

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
NEW_REP = "R777"
NEW_LABEL = "seminar"


def _new_users_environment(cache: Path | None) -> dict[str, str]:
    """The suite's environment without its ISKPI_ settings; for `iskpi`, a cache folder of the
    test's own: a new user's first night parses the project, and no test touches the user's cache."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ISKPI_")}
    return environment if cache is None else {**environment, "XDG_CACHE_HOME": str(cache)}


def _run(command: list[str], cwd: Path, cache: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=_new_users_environment(cache), capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def iskpi(tmp_path_factory) -> Path:
    """`iskpi` from a wheel built from this checkout, in a virtual environment of its own."""
    folder = tmp_path_factory.mktemp("install")
    source = folder / "source"  # a copy: building writes build/ and *.egg-info beside the sources
    # what git ignores stays behind: a developer's checkout may hold gigabytes of benchmark exports
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".git", ".venv", "iskpi-demo", "build", "dist", "*.egg-info",
                                                                 "__pycache__", ".*_cache", ".hypothesis", ".data", "target"))
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder / "dist"), str(source)], folder)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (folder / "dist").glob("iskpi-*.whl")
    venv = folder / "venv"
    created = _run([sys.executable, "-m", "venv", str(venv)], folder)
    assert created.returncode == 0, created.stderr
    # The dependencies come from the suite's own environment, seen through a path file (whose
    # own path files, this checkout's editable install among them, Python does not read): an
    # install of all of them took ~3 min of the suite. `pip check` proves they meet what the
    # wheel declares.
    (site_packages,) = (venv / "lib").glob("python3*/site-packages")
    (site_packages / "suite_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    pip = str(venv / "bin" / "pip")
    installed = _run([pip, "install", "-q", "--no-deps", str(wheel)], folder, timeout=1800)
    assert installed.returncode == 0, installed.stderr[-3000:]
    checked = _run([pip, "check"], folder)
    assert checked.returncode == 0, checked.stdout[-3000:]
    located = _run([str(venv / "bin" / "python"), "-c", "import orchestration.paths as p; print(p.__file__, p.DBT_PROJECT_DIR)"], folder)
    files = located.stdout.split()
    assert len(files) == 2 and all(Path(f).resolve().is_relative_to(site_packages.resolve()) for f in files), located.stdout + located.stderr
    return venv / "bin" / "iskpi"


def _read(path: Path) -> tuple[list[dict], str]:
    raw = path.read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        encoding, text = "cp932", raw.decode("cp932")
    return list(csv.DictReader(io.StringIO(text))), encoding


def _write(path: Path, rows: list[dict], encoding: str) -> None:
    with path.open("w", encoding=encoding, newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def night(iskpi, tmp_path_factory):
    yesterday = datetime.now(ZoneInfo("Asia/Tokyo")).date() - timedelta(days=1)
    exports = tmp_path_factory.mktemp("exports")
    sample = generate(exports, seed=11, reps=3, start=yesterday - timedelta(days=48), end=yesterday)

    leads, encoding = _read(exports / "leads.csv")
    relabelled = [lead for lead in leads if lead["channel"] == "資料請求"]
    for lead in relabelled:
        lead["channel"] = NEW_LABEL
    saturday = yesterday - timedelta(days=(yesterday.weekday() - 5) % 7)  # a web form nobody works on
    leads.append({**leads[0], "lead_id": "L-SATURDAY", "owner_rep_id": "R001", "lead_type": "inbound", "channel": "Webフォーム",
                  "email": "saturday@example.jp", "phone": "06-0000-0001", "created_at": f"{saturday} 11:00:00",
                  "updated_at": f"{saturday} 11:00:00", "status": "new", "is_deleted": "false"})
    _write(exports / "leads.csv", leads, encoding)

    calls_files = sorted(exports.glob("calls_*.csv"))
    held_back = calls_files[-1]  # tomorrow night's export
    first_calls, encoding = _read(calls_files[0])
    call_day = sample.expected_kpi_daily["activity_date"].min()
    first_calls.append({"call_id": "C-NEW-REP", "rep_id": NEW_REP, "lead_id": "", "phone": "", "direction": "outbound",
                        "started_at": f"{call_day:%Y/%m/%d} 18:30", "result": "busy", "talk_seconds": "0"})
    _write(calls_files[0], first_calls, encoding)

    root = tmp_path_factory.mktemp("team")
    created = _run([str(iskpi), "init", "ws"], root, root / ".cache")
    assert created.returncode == 0, created.stderr
    workspace = root / "ws"
    for path in exports.iterdir():
        if path != held_back:
            (workspace / "inbox" / path.name).write_bytes(path.read_bytes())
    first = _run([str(iskpi), "run"], workspace, root / ".cache", timeout=1800)

    reps, encoding = _read(exports / "reps.csv")
    reps.append({**reps[0], "rep_id": NEW_REP, "rep_name": "新人 太郎", "email": "r777@example.co.jp"})
    time.sleep(0.01)  # a later export: its modification time orders it after reps.csv
    _write(workspace / "inbox" / "reps_night2.csv", reps, encoding)
    (workspace / "inbox" / held_back.name).write_bytes(held_back.read_bytes())
    second = subprocess.Popen([str(iskpi), "run"], cwd=workspace, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=_new_users_environment(root / ".cache"))
    lock = workspace / ".iskpi" / "work" / "run.lock"
    deadline = time.monotonic() + 600
    while not (lock.exists() and lock.read_text()) and time.monotonic() < deadline and second.poll() is None:
        time.sleep(0.2)
    concurrent = _run([str(iskpi), "run"], workspace, root / ".cache", timeout=600)
    out, err = second.communicate(timeout=1800)
    return {
        "sample": sample, "workspace": workspace, "relabelled": len(relabelled), "call_day": call_day, "saturday": saturday,
        "first": first, "concurrent": concurrent, "second": subprocess.CompletedProcess(second.args, second.returncode, out, err),
        "yesterday": yesterday,
    }


def _query(warehouse: Path, sql: str):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_night_one_publishes_with_an_unmapped_label_and_meetings_booked_ahead(night):
    first = night["first"]
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert f"unmapped channel labels, kept as their own channel (group 'unmapped'; marts.unmapped_labels): {NEW_LABEL}" in first.stdout
    assert "Running with dbt" not in first.stdout  # dbt's log goes to the log file, whose path is printed
    assert len(first.stdout.splitlines()) < 60  # a line per phase and a summary, not dbt's ~600 lines
    assert "nanobind" not in first.stderr + night["second"].stderr  # nothing left alive at exit
    log = next(line for line in first.stdout.splitlines() if line.startswith("dbt and Dagster logs: "))
    assert "Running with dbt" in Path(log.removeprefix("dbt and Dagster logs: ")).read_text(encoding="utf-8")


def test_the_second_night_readmits_the_call_and_every_kpi_daily_cell_matches_the_tally(night):
    second, workspace = night["second"], night["workspace"]
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "1 quarantined row(s) of calls_" in second.stdout and "re-admitted" in second.stdout
    warehouse = workspace / "warehouse" / "iskpi.duckdb"

    expected = night["sample"].expected_kpi_daily.copy()
    ratios = ("ring_rate", "connect_rate", "effective_contact_rate", "avg_talk_seconds", "open_rate", "click_rate",
              "reply_rate", "bounce_rate", "list_consumption_rate", "follow_up_rate", "touches_to_meeting")
    nothing = {column: (None if column in ratios else 0) for column in expected.columns[3:]}  # no denominator: NULL
    # the new rep was hired into R001's team (a copy of its row)
    team = expected.loc[expected.rep_id == "R001", "team"].iloc[0]
    # the re-admitted call: one dial that did not ring
    new_call = {**nothing, "activity_date": night["call_day"], "rep_id": NEW_REP, "team": team, "dials": 1,
                "ring_rate": 0.0, "connect_rate": 0.0, "effective_contact_rate": 0.0}
    # the Saturday lead: assigned, never touched; a day with no other activity still has its row
    saturday_lead = {**nothing, "activity_date": night["saturday"], "rep_id": "R001", "team": team, "leads_assigned": 1,
                     "list_consumption_rate": 0.0, "follow_up_rate": 0.0}
    assert not ((expected.activity_date == night["saturday"]) & (expected.rep_id == "R001")).any()
    expected = (pd.concat([expected, pd.DataFrame([new_call, saturday_lead])], ignore_index=True)
                .sort_values(["activity_date", "rep_id"]).reset_index(drop=True))
    assert_kpi_daily_matches(expected, warehouse)

    (readmitted,) = _query(warehouse, "select rows_readmitted from audit.load_files where rows_readmitted > 0")
    assert readmitted == (1,)
    accounted = _query(warehouse, "select count(*) filter (where rows_read <> rows_loaded + rows_readmitted "
                                  "+ rows_quarantined + exact_duplicates) from audit.load_files")
    assert accounted == [(0,)]


def test_labels_are_dimension_values_and_future_meetings_are_kept(night):
    warehouse = night["workspace"] / "warehouse" / "iskpi.duckdb"
    assert _query(warehouse, "select sum(rows_quarantined) from audit.load_files where entity in ('leads', 'meetings')") == [(0,)]
    assert _query(warehouse, "select value, lead_rows from marts.unmapped_labels") == [(NEW_LABEL, night["relabelled"])]
    assert _query(warehouse, f"select count(*), min(channel_group) from marts.dim_lead where channel = '{NEW_LABEL}'") == [
        (night["relabelled"], "unmapped")]
    (booked_ahead,) = _query(warehouse, "select count(*) from marts.fct_meeting where scheduled_for > now()")
    assert booked_ahead[0] > 0


def test_a_second_run_at_the_same_time_ends_with_one_line(night):
    concurrent = night["concurrent"]
    assert concurrent.returncode == 1
    lines = concurrent.stdout.strip().splitlines()
    assert len(lines) == 1 and not concurrent.stderr.strip(), concurrent.stdout + concurrent.stderr
    assert lines[0].startswith(f"another run is using this workspace ({night['workspace']}): process ")
    assert "(iskpi run), started 20" in lines[0]


def test_the_warehouse_folder_holds_only_what_readers_may_read_and_names_nothing_outside_it(night):
    """BI readers are given the warehouse folder, and the published views name it: the working
    database (every lead's e-mail and phone) lives in the workspace's owner-only .iskpi/work/."""
    workspace = night["workspace"]
    folder = workspace / "warehouse"
    assert not [path for path in folder.rglob("*") if path.name.endswith(".work.duckdb") or path.name == ".work"]
    with duckdb.connect(str(folder / "iskpi.duckdb"), read_only=True) as con:
        views = [sql for (sql,) in con.execute("select sql from duckdb_views() where not internal").fetchall()]
    named = {Path(path) for sql in views for path in re.findall(r"'(/[^']*)'", sql)}
    assert named and all(path.is_relative_to(folder / "iskpi.duckdb.segments") for path in named)
    work = workspace / ".iskpi" / "work"
    assert (work / "iskpi.work.duckdb").exists() and work.stat().st_mode & 0o777 == 0o700


def test_the_installed_package_is_never_written_to(iskpi, night):
    site = next(iskpi.parent.parent.glob("lib/python3*/site-packages"))
    project = site / "dbt_project"
    assert project.is_dir()
    assert not (project / "target").exists() and not (project / "logs").exists()
    assert sorted(p.name for p in (project / "seeds").iterdir()) == sorted(p.name for p in (REPO / "dbt_project" / "seeds").iterdir())


def test_the_installed_package_ships_every_source_format(iskpi, tmp_path):
    site = next(iskpi.parent.parent.glob("lib/python3*/site-packages"))
    assert sorted(p.name for p in (site / "connectors" / "formats").glob("*.yml")) == \
        sorted(p.name for p in (REPO / "connectors" / "formats").glob("*.yml"))
    task = tmp_path / "salesforce" / "Task.csv"
    task.parent.mkdir()
    task.write_text("Id,WhoId,OwnerId,TaskSubtype,CallType,CallDisposition,CallDurationInSeconds,CompletedDateTime\n"
                    "00T1,00Q1,0051,Call,Outbound,不在,0,2026-03-02 02:00:00\n", encoding="utf-8")
    checked = _run([str(iskpi), "source", "check", str(task)], tmp_path, tmp_path / ".cache")
    assert checked.returncode == 0, checked.stderr
    assert "Task.csv: salesforce.task" in checked.stdout and "→ calls: 1 row(s) from 1 in the file" in checked.stdout
