"""Text in WordprocessingML as python-docx writes it, without python-docx's per-character run.

python-docx's ``run.text`` setter builds a run's content one character at a time (its cost per
character: docs/performance.md); the report tables and the notification letters write thousands of
cells, so they write each run's content as XML text with ``cell_text_xml`` and parse whole
tables or rows at once.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

BREAKS = re.compile(r"(\t|\n)")


def cell_text_xml(text: str) -> str:
    """The run's content as python-docx writes it: ``w:t`` pieces, a tab as ``w:tab``, a line
    break as ``w:br``, spaces kept where they lead or trail."""
    out = []
    for part in BREAKS.split(text):
        if part == "\t":
            out.append("<w:tab/>")
        elif part == "\n":
            out.append("<w:br/>")
        elif part:
            space = ' xml:space="preserve"' if part != part.strip() else ""
            out.append(f"<w:t{space}>{escape(part)}</w:t>")
    return "".join(out)
