"""Finding the form's header row in an operator's file and mapping its columns.

Operators' exports carry the form's Russian column titles, but never byte for byte:
titles are hyphenated and broken over lines as in the printed form («Об-ласть /го-\\nрод»),
change case, ё/е, spaces around '/', punctuation, a trailing '*' for required fields,
Latin letters that look Cyrillic. So titles are compared by a *key*: lower case, ё→е,
Latin homoglyphs folded to Cyrillic, and every character that is not a letter or digit
removed (which also removes hyphenation and line breaks wholesale).

Keys that still differ are matched when the edit distance is small and unambiguous:
at most one edit per 12 characters of the form's key, never more than 3 (so titles of
fewer than 12 key characters — «Пол клиента», «Номер акта», «№ п/п» — must match
exactly), and only when exactly one of the form's titles is that close. Anything looser
would risk silently reading one column as another; a title that does not match is
reported, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

from orchestration.reference import ColumnSpec, input_columns

SCAN_ROWS = 30  # the header is looked for in this many rows from the top
MAX_DISTANCE = 3
CHARS_PER_EDIT = 12

# Latin letters that look like Cyrillic ones; folded so 'OKЭД' (Latin O, K) matches.
_HOMOGLYPHS = str.maketrans("aceopxykmtbhё", "асеорхукмтвне")
_NOT_ALNUM = re.compile(r"[\W_]+")
KAZAKH_LETTERS = frozenset("әғқңөұүһі")


def title_key(text: str) -> str:
    """The comparison key of a column title (see the module docstring)."""
    lowered = text.lower().replace("\u00ad", "").translate(_HOMOGLYPHS)
    return _NOT_ALNUM.sub("", lowered)


def allowed_distance(key: str) -> int:
    """Edits tolerated for a form title of this key length (one per 12 chars, max 3)."""
    return min(MAX_DISTANCE, len(key) // CHARS_PER_EDIT)


def bounded_levenshtein(a: str, b: str, limit: int) -> int:
    """Edit distance of a and b, or ``limit + 1`` as soon as it must exceed ``limit``.

    Banded dynamic programme: only cells within ``limit`` of the diagonal can stay under
    the limit, so the cost is O(len × limit) — cheap enough to run on every cell of the
    rows scanned for a header.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    if a == b:
        return 0
    big = limit + 1
    previous = [j if j <= limit else big for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        low, high = max(1, i - limit), min(len(b), i + limit)
        current = [big] * (len(b) + 1)
        current[0] = i if i <= limit else big
        char = a[i - 1]
        row_min = current[0]
        for j in range(low, high + 1):
            cost = 0 if b[j - 1] == char else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            current[j] = value if value <= limit else big
            row_min = min(row_min, current[j])
        if row_min > limit:
            return big
        previous = current
    return previous[len(b)]


@dataclass(frozen=True)
class CellMatch:
    name: str  # canonical column name
    distance: int  # 0 = exact key match


@cache
def _form_keys(input_name: str) -> dict[str, str]:
    """Key → canonical column name for one input; keys are unique within a form."""
    keys = {title_key(spec.title_ru): spec.name for spec in input_columns(input_name)}
    if len(keys) != len(input_columns(input_name)):
        raise ValueError(f"two titles of input {input_name!r} share a comparison key")
    return keys


@lru_cache(maxsize=8192)
def match_title(text: str, input_name: str) -> CellMatch | None:
    """The form column a header cell names, or None when no single title is close enough."""
    key = title_key(text)
    if not key:
        return None
    keys = _form_keys(input_name)
    if key in keys:
        return CellMatch(keys[key], 0)
    candidates = []
    for form_key, name in keys.items():
        limit = allowed_distance(form_key)
        if limit == 0:
            continue
        distance = bounded_levenshtein(key, form_key, limit)
        if distance <= limit:
            candidates.append(CellMatch(name, distance))
    return candidates[0] if len(candidates) == 1 else None


@dataclass
class HeaderMatch:
    """How one row reads as the form's header."""

    row_index: int  # 0-based index into the rows given
    columns: dict[str, int] = field(default_factory=dict)  # canonical name → 0-based column
    titles: dict[str, str] = field(default_factory=dict)  # canonical name → header text found
    fuzzy: dict[str, int] = field(default_factory=dict)  # canonical name → edit distance used
    duplicates: dict[str, list[int]] = field(default_factory=dict)  # canonical → all its columns
    extra: dict[int, str] = field(default_factory=dict)  # 0-based column → unrecognised title
    near_duplicates: dict[int, str] = field(default_factory=dict)  # column → canonical it resembles

    @property
    def score(self) -> int:
        return len(self.columns)

    def missing(self, specs: Sequence[ColumnSpec], required_only: bool = True) -> list[ColumnSpec]:
        return [s for s in specs if s.name not in self.columns and (s.required or not required_only)]


def match_header_row(cells: Sequence[str | None], input_name: str, row_index: int = 0) -> HeaderMatch:
    """Map each cell of a candidate header row to a form column (or to an extra column).

    An exact key match wins over a fuzzy one: if «Телефон рабочий клиента» is present,
    a «Телефон рабочий клиента 2» beside it stays an extra column rather than a
    duplicate. Two cells that both name one column exactly (or, with no exact one,
    both fuzzily) are duplicates: the file is rejected, because either could be meant.
    """
    match = HeaderMatch(row_index=row_index)
    exact: dict[str, list[int]] = {}
    fuzzy: dict[str, list[tuple[int, int]]] = {}
    for index, text in enumerate(cells):
        if not text:
            continue
        found = match_title(text, input_name)
        if found is None:
            match.extra[index] = text
        elif found.distance == 0:
            exact.setdefault(found.name, []).append(index)
        else:
            fuzzy.setdefault(found.name, []).append((index, found.distance))
    for name, indexes in exact.items():
        match.columns[name] = indexes[0]
        if len(indexes) > 1:
            match.duplicates[name] = indexes
    for name, hits in fuzzy.items():
        if name in exact:
            for index, _ in hits:
                match.extra[index] = cells[index] or ""
                match.near_duplicates[index] = name
            continue
        match.columns[name] = hits[0][0]
        match.fuzzy[name] = hits[0][1]
        if len(hits) > 1:
            match.duplicates[name] = [index for index, _ in hits]
    match.titles = {name: cells[index] or "" for name, index in match.columns.items()}
    match.extra = dict(sorted(match.extra.items()))
    return match


def minimum_score(input_name: str) -> int:
    """Matches a row needs to count as the header: half the form's required titles (≥ 2).

    Below that a row is more likely a title or a data row, and "required columns
    missing" would be the wrong diagnosis: the header was not found at all.
    """
    required = sum(spec.required for spec in input_columns(input_name))
    return max(2, (required + 1) // 2)


def best_header_row(rows: Sequence[Sequence[str | None]], input_name: str) -> HeaderMatch | None:
    """The row among the first ``SCAN_ROWS`` that recognises most form columns.

    Ties go to the upper row. Title rows above the header (merged cells included: their
    text sits in the first cell only) match nothing and are passed over. None when no
    row has two filled cells.
    """
    best: HeaderMatch | None = None
    for index, row in enumerate(rows[:SCAN_ROWS]):
        if sum(1 for cell in row if cell) < 2:
            continue
        candidate = match_header_row(row, input_name, index)
        if best is None or candidate.score > best.score:
            best = candidate
    return best


def find_header(rows: Sequence[Sequence[str | None]], input_name: str) -> HeaderMatch | None:
    """The header row, or None when no scanned row reaches ``minimum_score``."""
    best = best_header_row(rows, input_name)
    if best is None or best.score < minimum_score(input_name):
        return None
    return best


def looks_kazakh(rows: Sequence[Sequence[str | None]]) -> int | None:
    """0-based index of the first scanned row whose cells are mostly in Kazakh, if any.

    Used only to explain a rejection: the form's titles are recognised in Russian.
    """
    for index, row in enumerate(rows[:SCAN_ROWS]):
        texts = [cell for cell in row if cell]
        kazakh = sum(1 for cell in texts if KAZAKH_LETTERS & set(cell.lower()))
        if len(texts) >= 2 and kazakh * 2 >= len(texts):
            return index
    return None


def is_number_row(cells: Sequence[str | None]) -> bool:
    """A row of column numbers (1, 2, 3 …) as government forms print under the header."""
    texts = [cell for cell in cells if cell]
    if len(texts) < 3 or not all(text.isdigit() for text in texts):
        return False
    numbers = [int(text) for text in texts]
    return numbers[0] <= 1 and all(b > a for a, b in zip(numbers, numbers[1:], strict=False))
