"""How personal data is kept out of messages: the one place for masking rules.

Messages reach the Dagster UI, its event log and the logs, where personal data must never
appear. Readers, contracts and resources all mask with these functions.
"""

from __future__ import annotations

import re


def mask(value: str) -> str:
    """Hide an identifier in a message: '900101300123' -> '9001******23'.

    Messages reach the Dagster UI and logs, where personal data must never appear; the
    few characters kept let an engineer find the row together with its row number.
    """
    if len(value) >= 8:
        return value[:4] + "*" * (len(value) - 6) + value[-2:]
    return "*" * len(value)


# Shapes of personal data a message could quote: IIN/BIN and phone numbers (9+ digits in a
# row) and e-mail addresses. Names have no shape; messages never quote cells instead.
_LONG_DIGITS = re.compile(r"\d{9,}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def mask_personal(text: str) -> str:
    """``text`` with every identifier-, phone- or e-mail-shaped part masked (see ``mask``).

    A last line of defence for anything shown in the Dagster UI (rejection reasons, asset
    metadata): the readers and contracts already avoid quoting values.
    """
    return _LONG_DIGITS.sub(lambda m: mask(m.group()), _EMAIL.sub(lambda m: mask(m.group()), text))


def looks_personal(text: str) -> bool:
    """True when a value holds 9+ digits (ignoring separators) or an '@': possibly an IIN,
    a phone number or an e-mail, whatever column it was found in."""
    return "@" in text or sum(char.isdigit() for char in text) >= 9
