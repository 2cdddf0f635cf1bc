"""The ingest: exports landed, checked against the input rules and admitted to raw (loading), and `iskpi source check` (source_check)."""
