"""Landing files to raw rows: discovery, readers, header matching, cell text, the spool. No Dagster."""
