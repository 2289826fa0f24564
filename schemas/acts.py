"""Contract of the acts of services rendered (R4, clause 11).

An act is confirmed by a digital signature (EDS) or, for online services, by two- or
three-factor identification: the confirmation method is one of seed
``confirmation_methods`` (its code or its Russian name) or a spelling listed for it in
seed ``value_aliases``, compared the way dbt staging looks it up.
"""

from __future__ import annotations

from schemas.contract import build_schema, one_of, spellings

METHODS = spellings("confirmation_method", "confirmation_methods", ("method_code", "name_ru"))

SCHEMA = build_schema("acts", {"confirmation_method": [one_of(METHODS, "one_of_confirmation_methods")]})
