"""Dagster wiring only: the code location's assets, checks, jobs, schedules, sensors and resources."""
