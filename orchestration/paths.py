"""Where things live in the repository."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
SAMPLE_INPUT_DIR = REPO_ROOT / "sample_data"
DEFAULT_WAREHOUSE = Path("warehouse") / "iskpi.duckdb"
