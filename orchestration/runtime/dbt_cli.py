"""dagster-dbt's resource with this project's speed-ups and its failure messages masked.

The one place that overrides members of dagster-dbt that are not public API (checked against
dagster-dbt 0.29; an upgrade must re-check this file and tests/test_runtime_switches.py):

- ``_cli_version``: dbt's version from the installed package when the executable is this
  venv's own, instead of a `dbt --version` process in every run;
- ``_initialize_dbt_core_adapter``: no adapter in the run's process (dagster-dbt uses it
  only for row counts and column metadata, which these assets do not ask for);
- ``_get_unique_target_path``: the invocation's target folder, so that this warehouse's
  partial-parse state is restored there before dbt starts (``parse_state``);
- ``_error_messages`` of the invocation: dbt's error lines as the UI shows them, masked
  (a DuckDB error quotes the value it choked on: an identifier must not reach the UI).

The speed-ups (the first three, and dbt forked from the run's process, ``forked_dbt``) are
behind one switch, ``MONITORING_RUNTIME_SPEEDUPS`` (settings.runtime_speedups); the masking
is a guarantee, not a speed-up, and is always on.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from contextlib import nullcontext
from functools import cached_property
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource
from packaging.version import Version
from pydantic import Field

from orchestration.personal import mask_personal
from orchestration.runtime import parse_state
from orchestration.runtime.forked_dbt import forking_dbt, is_own_dbt
from orchestration.settings import runtime_speedups


class MaskedMessages(list):
    """dbt's error lines as dagster-dbt collects them for the failure shown in the UI, masked."""

    def append(self, message: object) -> None:
        super().append(mask_personal(str(message)))


class FastDbtCliResource(DbtCliResource):
    """DbtCliResource on one warehouse, with the speed-ups above when the switch is on."""

    warehouse_path: str = Field(description="The warehouse dbt's profile points at (MONITORING_WAREHOUSE_PATH).")

    @cached_property
    def _cli_version(self) -> Version:
        if runtime_speedups() and is_own_dbt(self.dbt_executable):
            return Version(importlib.metadata.version("dbt-core"))
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:  # type: ignore[override]
        if runtime_speedups():
            return None
        return super()._initialize_dbt_core_adapter(args)

    def cli(self, args: Sequence[str], **kwargs: Any) -> Any:
        speedups = runtime_speedups()
        if speedups:  # this warehouse's partial-parse state, for dbt to start from
            target_path = kwargs.pop("target_path", None) or self._get_unique_target_path(context=kwargs.get("context"))
            parse_state.restore(target_path if target_path.is_absolute() else Path(self.project_dir) / target_path,
                                self.warehouse_path)
            kwargs["target_path"] = target_path
        with forking_dbt() if speedups else nullcontext():  # forked from this process: forked_dbt.py says why
            invocation = super().cli(args, **kwargs)
        if isinstance(getattr(invocation, "_error_messages", None), list):
            invocation._error_messages = MaskedMessages(invocation._error_messages)
        return invocation
