"""Contract of the Registry of questionnaires (R2, Appendix 2).

The form prints the four quality aspects with the scale "1 2 3 4 5": a score outside it
is not a defect of one answer but a file that does not follow the form.
"""

from __future__ import annotations

from schemas.contract import build_schema, score_1_to_5

SCORE_COLUMNS = ("score_usefulness", "score_organisation", "score_expectations", "score_satisfaction")

SCHEMA = build_schema("questionnaires", {name: [score_1_to_5()] for name in SCORE_COLUMNS})
