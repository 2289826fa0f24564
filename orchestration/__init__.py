"""Monitoring of the service support to SMEs: the Dagster code location and its pure helpers."""
