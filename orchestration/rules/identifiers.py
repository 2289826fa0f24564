"""IIN and BIN: the 12-digit identifiers of people and legal entities in Kazakhstan.

Structure (Law No. 223 of 12 January 2007, art. 1; digest "Reference facts"):
- IIN: digits 1-6 birth date YYMMDD; digit 7 century and sex (1/2 = 1800s, 3/4 = 1900s,
  5/6 = 2000s; odd male, even female); 8-11 serial; 12 check digit.
- BIN: digits 1-4 year and month of registration (YYMM); digit 5 type (4 resident legal
  entity, 5 non-resident, 6 joint individual entrepreneurship); digit 6 attribute
  (0 head office, 1 branch, 2 representative office, 3 peasant/farm household); 7-11
  serial; 12 check digit.
- Check digit (Government Decree No. 406 of 22 May 2007): sum of d1..d11 x weights 1..11
  mod 11; if 10, weights 3..11,1,2 mod 11; if still 10 the number is never issued.

The validation layer re-implements the check in SQL (macro ``iin_bin_check_digit_ok``)
for speed; ``tests/test_identifiers.py`` proves the two agree.
"""

from __future__ import annotations

from datetime import date

FIRST_WEIGHTS = tuple(range(1, 12))
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)

_CENTURY_DIGITS = {1800: (1, 2), 1900: (3, 4), 2000: (5, 6)}


def check_digit(first_eleven: str) -> int | None:
    """The 12th digit for the first eleven, or None when no valid number exists."""
    if len(first_eleven) != 11 or not first_eleven.isdigit():
        raise ValueError(f"expected 11 digits, got {len(first_eleven)} characters")
    digits = [int(c) for c in first_eleven]
    for weights in (FIRST_WEIGHTS, SECOND_WEIGHTS):
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 10:
            return remainder
    return None


def is_valid(number: str) -> bool:
    """True for a 12-digit IIN or BIN whose check digit is right."""
    if len(number) != 12 or not number.isdigit():
        return False
    expected = check_digit(number[:11])
    return expected is not None and expected == int(number[11])


def iin_century_digit(birth_date: date, male: bool) -> int:
    male_digit, female_digit = _CENTURY_DIGITS[birth_date.year // 100 * 100]
    return male_digit if male else female_digit


def iin_birth_date(iin: str) -> date | None:
    """The birth date encoded in an IIN, or None if digits 1-7 do not form one."""
    if len(iin) < 7 or not iin[:7].isdigit():
        return None
    century = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}.get(int(iin[6]))
    if century is None:
        return None
    try:
        return date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        return None


def iin_is_male(iin: str) -> bool | None:
    if len(iin) < 7 or not iin[6].isdigit() or iin[6] in "0789":
        return None
    return int(iin[6]) % 2 == 1


def make_iin(birth_date: date, male: bool, serial: int) -> str | None:
    """An IIN for a person, or None when this serial gives no valid check digit."""
    head = f"{birth_date:%y%m%d}{iin_century_digit(birth_date, male)}{serial % 10000:04d}"
    digit = check_digit(head)
    return None if digit is None else f"{head}{digit}"


def make_bin(registered: date, entity_type: int, attribute: int, serial: int) -> str | None:
    """A BIN for a legal entity (type 4/5/6, attribute 0-3), or None for an unissuable serial."""
    head = f"{registered:%y%m}{entity_type}{attribute}{serial % 100000:05d}"
    digit = check_digit(head)
    return None if digit is None else f"{head}{digit}"
