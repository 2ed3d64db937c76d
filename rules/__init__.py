"""Cross-check rules: read canonical tables in DuckDB, return flags. Knows nothing of Excel."""
