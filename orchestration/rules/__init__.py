"""The methodology's rules as plain functions: calendar, deadlines, timeliness, identifiers,
survey statistics. No Dagster."""
