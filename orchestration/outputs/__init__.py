"""What the fund and the operator read: letters, call lists, reports. No Dagster."""
