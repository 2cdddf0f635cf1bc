"""Safe to rerun, consistent for readers (SPEC §8).

Day one's exports are loaded and published; day two adds one new calls export. A run over day
two is killed (`kill -9`, with its dbt subprocess) at four points — after the raw load, after the
input checks, in the middle of dbt, during publish — and each time the published file must be
byte for byte what it was, and the next run must publish marts identical to a run that was never
interrupted. A reader holding the published file open during a run neither blocks it nor sees a
mix of the two days.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from digests import file_digest, table_digests
from workspaces import run_nightly

TESTS_DIR = Path(__file__).parent

pytestmark = pytest.mark.e2e

WORK_DB = Path(".iskpi") / "work" / "iskpi.work.duckdb"


@dataclass(frozen=True)
class Days:
    day_one: Path  # every export but the last calls file
    day_two: Path  # every export
    held_back: str  # the calls file day two adds
    baseline: Path  # the warehouse folder after day one


@pytest.fixture(scope="module")
def days(small_sample, tmp_path_factory) -> Days:
    day_two = small_sample.out_dir
    held_back = sorted(p.name for p in day_two.iterdir() if p.name.startswith("calls_"))[-1]
    day_one = tmp_path_factory.mktemp("day_one")
    for path in day_two.iterdir():
        if path.name != held_back:
            shutil.copy(path, day_one / path.name)
    baseline = tmp_path_factory.mktemp("baseline")
    outcome = run_nightly(day_one, baseline / "iskpi.duckdb")
    assert outcome.success, outcome.message
    return Days(day_one, day_two, held_back, baseline)


def copy_of_baseline(days: Days, folder: Path) -> Path:
    """Day one's published warehouse and working database, in a folder of the test's own."""
    shutil.copytree(days.baseline, folder, dirs_exist_ok=True)
    return folder / "iskpi.duckdb"


@pytest.fixture(scope="module")
def uninterrupted(days, tmp_path_factory) -> dict[str, str]:
    """Table hashes of the marts that day two publishes when nothing goes wrong."""
    warehouse = copy_of_baseline(days, tmp_path_factory.mktemp("uninterrupted"))
    outcome = run_nightly(days.day_two, warehouse)
    assert outcome.success, outcome.message
    return table_digests(warehouse)


def test_a_new_export_adds_to_what_was_loaded_like_a_load_of_everything_at_once(uninterrupted, sample_run):
    _, all_at_once, outcome = sample_run
    assert outcome.success, outcome.message
    assert uninterrupted == table_digests(all_at_once)


def test_a_record_exported_again_is_replaced_only_by_a_newer_version(days, tmp_path):
    warehouse = copy_of_baseline(days, tmp_path / "wh")
    with duckdb.connect(str(tmp_path / "wh" / WORK_DB), read_only=True) as con:
        leads = con.execute(
            "select lead_id, lead_type, owner_rep_id, created_at, updated_at from staging.stg_raw__leads "
            "where not is_deleted and updated_at is not null order by lead_id limit 2"
        ).fetchall()
        other_rep = con.execute("select min(rep_id) from staging.stg_raw__reps where department = 'is' and rep_id <> ?", [leads[0][2]]).fetchone()[0]
    (newer, newer_type, owner, created, updated), (older, older_type, older_owner, older_created, older_updated) = leads
    inputs = tmp_path / "in"
    shutil.copytree(days.day_one, inputs)
    (inputs / "leads_reexport.csv").write_text(
        "lead_id,lead_type,owner_rep_id,created_at,updated_at,status\n"
        f"{newer},{newer_type},{other_rep},{created.isoformat()},{(updated + timedelta(days=1)).isoformat()},lost\n"
        f"{older},{older_type},{other_rep},{older_created.isoformat()},{(older_updated - timedelta(days=1)).isoformat()},lost\n",
        encoding="utf-8",
    )
    outcome = run_nightly(inputs, warehouse)
    assert outcome.success, outcome.message
    with duckdb.connect(str(warehouse), read_only=True) as con:
        owners = dict(con.execute("select lead_id, owner_rep_id from marts.dim_lead where lead_id in (?, ?)", [newer, older]).fetchall())
    assert owners == {newer: other_rep, older: older_owner}


# Runs the nightly job in a process of its own and kills it, and any process it started, with
# SIGKILL at the named point: nothing gets to clean up, as when a machine dies. In the middle of
# dbt only the run's own process is killed: dbt must end with it.
KILLED_RUN = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path

    kill_point, inputs, warehouse = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    sys.path.insert(0, sys.argv[4])  # the tests' workspaces helper

    def kill():
        os.killpg(0, signal.SIGKILL)

    def kill_main_only():
        os.kill(os.getpid(), signal.SIGKILL)

    if kill_point == "after_raw_load":  # the new calls are committed to raw; no check has run
        import orchestration.ingest.loading as loading
        admit = loading.admit
        def admit_then_kill(con, entity, *args, **kwargs):
            outcomes = admit(con, entity, *args, **kwargs)
            if entity.name == "calls":
                kill()
            return outcomes
        loading.admit = admit_then_kill
    elif kill_point == "after_checks":  # every raw table loaded and checked; dbt about to start
        from orchestration.defs.dbt_runner import InProcessDbtResource
        InProcessDbtResource.cli = lambda *args, **kwargs: kill()
    elif kill_point == "mid_dbt":  # some models rebuilt, others not yet; only the run's own process is killed
        # (dbt must die with it: a build going on after the run lock is released would race the next run)
        from orchestration.defs.dbt_runner import DbtInvocation
        results = DbtInvocation.result_events
        def results_then_kill(self):
            for finished, event in enumerate(results(self), start=1):
                yield event
                if finished == 30:
                    kill_main_only()
        DbtInvocation.result_events = results_then_kill
    elif kill_point == "during_publish":  # the new file is written, not yet renamed into place
        replace = os.replace
        def replace_or_kill(source, target, *args, **kwargs):
            if str(source).endswith(".building"):
                kill()
            return replace(source, target, *args, **kwargs)
        os.replace = replace_or_kill

    from workspaces import run_nightly
    outcome = run_nightly(inputs, warehouse)
    sys.exit(f"the run was not killed at {kill_point}: success={outcome.success} {outcome.message}")
    """
)

KILL_POINTS = ["after_raw_load", "after_checks", "mid_dbt", "during_publish"]


def processes_of_session(session: int) -> list[int]:
    """The processes still alive in a session (a process group leader's whole family)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[3]) == session and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


@pytest.mark.parametrize("kill_point", KILL_POINTS)
def test_a_killed_run_leaves_the_published_warehouse_and_the_next_run_completes_it(kill_point, days, uninterrupted, tmp_path):
    warehouse = copy_of_baseline(days, tmp_path)
    published_before = file_digest(warehouse)

    killed = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, kill_point, str(days.day_two), str(warehouse), str(TESTS_DIR)],
        cwd=tmp_path, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    _, stderr = killed.communicate(timeout=900)
    assert killed.returncode == -9, stderr[-3000:]
    # dbt runs in the run's own process; in a process of its own, a killed run's dbt went on ~10 s
    deadline = time.monotonic() + 3
    while processes_of_session(killed.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_of_session(killed.pid) == []  # nothing of the run outlives it
    assert file_digest(warehouse) == published_before
    with duckdb.connect(str(tmp_path / WORK_DB), read_only=True) as con:
        (status,) = con.execute("select status from audit.load_files where file_name = ?", [days.held_back]).fetchone()
    assert status == "loaded"  # the kill came after the new export reached raw
    leftovers = list(tmp_path.glob(".iskpi.duckdb.*.building*"))
    assert bool(leftovers) == (kill_point == "during_publish")

    outcome = run_nightly(days.day_two, warehouse)
    assert outcome.success, outcome.message
    assert table_digests(warehouse) == uninterrupted
    assert not list(tmp_path.glob(".iskpi.duckdb.*.building*"))


READER = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    snapshot = "select count(*), sum(dials), max(activity_date)::varchar from marts.kpi_daily"
    print(con.execute(snapshot).fetchone(), flush=True)
    sys.stdin.readline()  # the test runs the nightly job meanwhile
    print(con.execute(snapshot).fetchone(), flush=True)
    """
)


def test_a_reader_holding_the_published_file_neither_blocks_the_run_nor_sees_a_mix(days, uninterrupted, tmp_path):
    warehouse = copy_of_baseline(days, tmp_path)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        day_one_seen = reader.stdout.readline()
        outcome = run_nightly(days.day_two, warehouse)
        assert outcome.success, outcome.message
        reader.stdin.write("\n")
        reader.stdin.flush()
        seen_after_the_run = reader.stdout.readline()
    finally:
        reader.kill()
        reader.wait(timeout=60)
    assert day_one_seen and seen_after_the_run == day_one_seen  # one consistent snapshot: day one, whole
    assert table_digests(warehouse) == uninterrupted  # readers that open it now see day two


def test_a_working_folder_left_beside_the_warehouse_by_an_earlier_version_is_moved_in_whole(tmp_path):
    """It holds every raw row ever loaded, which the inbox may no longer have: a run after the
    upgrade goes on from it rather than starting over."""
    from orchestration.workspace import settled_work_dir

    warehouse = tmp_path / "ws" / "warehouse" / "iskpi.duckdb"
    former = warehouse.parent / ".work"
    (former / "tmp").mkdir(parents=True)
    (former / "iskpi.work.duckdb").write_bytes(b"raw rows")
    work_dir = settled_work_dir(tmp_path / "ws", warehouse)
    assert work_dir == tmp_path / "ws" / ".iskpi" / "work"
    assert (work_dir / "iskpi.work.duckdb").read_bytes() == b"raw rows" and (work_dir / "tmp").is_dir()
    assert not former.exists()
    (former / "tmp").mkdir(parents=True)  # a folder by that name again later is not taken over the newer one
    assert settled_work_dir(tmp_path / "ws", warehouse) == work_dir and (work_dir / "iskpi.work.duckdb").exists()
