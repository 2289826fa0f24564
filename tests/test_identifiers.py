"""IIN/BIN check digits (Government Decree No. 406 of 22 May 2007) and IIN structure.

The validation layer has an SQL twin of the check (dbt macro); the last test proves the
two implementations agree on valid and invalid numbers.
"""

from datetime import date

import hypothesis.strategies as st
from hypothesis import given

from orchestration.rules.identifiers import check_digit, iin_birth_date, iin_is_male, is_valid, make_bin, make_iin

# Published examples (digest, "Reference facts").
KNOWN_VALID = ["061211600012", "791028302728", "940140000385", "990140004654"]


def test_known_valid_numbers():
    assert all(is_valid(n) for n in KNOWN_VALID)


def test_hand_computed_check_digit():
    # 79102830272: 7*1+9*2+1*3+0*4+2*5+8*6+3*7+0*8+2*9+7*10+2*11 = 217; 217 mod 11 = 8
    assert check_digit("79102830272") == 8
    # 06121160001: 0+12+3+8+5+6+42+0+0+0+11 = 87 -> 87 mod 11 = 10, so the second weights:
    # 0*3+6*4+1*5+2*6+1*7+1*8+6*9+0*10+0*11+0*1+1*2 = 112 -> 112 mod 11 = 2
    assert check_digit("06121160001") == 2


def test_known_invalid_numbers():
    assert not is_valid("061211600013")  # wrong check digit
    assert not is_valid("61211600012")  # 11 digits: Excel dropped the leading zero
    assert not is_valid("0612116000120")  # 13 digits
    assert not is_valid("06121160001a")


def test_iin_structure():
    assert iin_birth_date("061211600012") == date(2006, 12, 11)
    assert iin_is_male("061211600012") is False  # century digit 6: 2000s, female
    assert iin_birth_date("791028302728") == date(1979, 10, 28)
    assert iin_is_male("791028302728") is True
    assert iin_birth_date("791328302728") is None  # month 13


eleven_digits = st.text(alphabet="0123456789", min_size=11, max_size=11)


def _first_pass(head: str) -> int:
    return sum(int(d) * w for d, w in zip(head, range(1, 12), strict=True)) % 11


@given(eleven_digits)
def test_every_completed_number_is_valid_and_single_digit_changes_fail(head):
    digit = check_digit(head)
    if digit is None:  # never issued: no 12th digit makes it valid
        assert not any(is_valid(head + str(d)) for d in range(10))
        return
    number = head + str(digit)
    assert is_valid(number)
    for position in range(12):
        for replacement in "0123456789":
            if replacement == number[position]:
                continue
            changed = number[:position] + replacement + number[position + 1:]
            if position == 11:
                assert not is_valid(changed)
            # Digit 11 carries weight 11 = 0 (mod 11) in the first pass, and a sum of 10
            # switches to the second weights: the decree's algorithm itself cannot catch
            # those changes. Every other single-digit change must fail.
            elif position != 10 and _first_pass(head) != 10 and _first_pass(changed[:11]) != 10:
                assert not is_valid(changed), changed


@given(st.dates(date(1900, 1, 1), date(2009, 12, 31)), st.booleans(), st.integers(0, 9999))
def test_generated_iins_encode_birth_date_and_sex(born, male, serial):
    iin = make_iin(born, male, serial)
    if iin is not None:
        assert is_valid(iin)
        assert iin_birth_date(iin) == born
        assert iin_is_male(iin) is male


def test_generated_bin_is_valid():
    numbers = [make_bin(date(2015, 3, 1), 4, 0, serial) for serial in range(50)]
    assert all(is_valid(n) for n in numbers if n is not None)
    assert sum(n is not None for n in numbers) >= 40
