"""Where the installed package keeps what it ships: the dbt project, its default mappings and the
bundled sample. The same layout in a source checkout and in site-packages (package data), so a
wheel works exactly like an editable install. Nothing here is written at run time: what a team
edits or a run produces lives in its workspace (orchestration/workspace.py)."""

from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PACKAGE_ROOT / "dbt_project"
# the mappings every new workspace starts from (copied by `iskpi init`, then the team's own)
DEFAULT_MAPPINGS_DIR = DBT_PROJECT_DIR / "seeds"
SAMPLE_INPUT_DIR = PACKAGE_ROOT / "sample_data"
