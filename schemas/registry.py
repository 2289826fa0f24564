"""Contract of the Registry of services (R1, Appendix 1): structure only.

Every check on a registry *value* (IIN/BIN check digit, dates, regions, OKED, …) is a
row-level rule in dbt (seed ``validation_rules``): a defective row is kept, flagged and
listed in the letter to the operator, never a reason to reject the monthly file.
"""

from __future__ import annotations

from schemas.contract import build_schema

SCHEMA = build_schema("registry")
