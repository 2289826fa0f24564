"""Text as every written .docx and .xlsx may hold it.

- XML 1.0 cannot hold control characters (nor lone surrogates, U+FFFE, U+FFFF): a cell holding
  one must not crash a letter, so they are removed here whatever the reading layer did.
- A cell that starts with '=', '+', '-' or '@' is written with Excel's quote prefix (the cell
  style ``quotePrefix``, shown as a leading apostrophe in the formula bar): Excel and the
  programs that read the file treat it as text, never as a formula (OWASP, CSV injection).
"""

from __future__ import annotations

import re

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
FORMULA_STARTS = ("=", "+", "-", "@")


def xml_text(text: str) -> str:
    """``text`` without the characters an XML document cannot hold."""
    return _NOT_XML.sub("", text) if _NOT_XML.search(text) else text


def needs_quote_prefix(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def write_text(sheet, row: int, column: int, text: str, cell_format=None, quoted_format=None) -> None:  # noqa: ANN001
    """Write ``text`` as a string cell (xlsxwriter): XML-safe, quote-prefixed when it starts like a
    formula (``quoted_format``: the cell's format with ``quote_prefix`` set)."""
    text = xml_text(text)
    if needs_quote_prefix(text) and quoted_format is not None:
        sheet.write_string(row, column, text, quoted_format)
    else:
        sheet.write_string(row, column, text, cell_format)
