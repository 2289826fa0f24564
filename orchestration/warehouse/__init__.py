"""The warehouse: the raw layer's tables and the one way a batch is written. No Dagster."""
