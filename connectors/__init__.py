"""Connectors: turn a department's file into rows of a canonical table, with provenance on every row."""
