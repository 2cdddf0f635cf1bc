"""The `iskpi` command (main) and what it prints of a run (run_view)."""
