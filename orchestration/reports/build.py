"""The one entry point: write a period's report folder atomically.

`write_report` reads analytics.duckdb, lays the report out once, writes the .docx, the
.xlsx and (where LibreOffice exists) the PDF into a temporary folder beside the target,
then swaps it in. A re-run replaces the whole folder, and a reader never sees a half-written
report: the old folder stays complete until the new one is complete.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from orchestration.reports.docx_report import write_docx
from orchestration.reports.figures import INDICATORS, QUALITY, read_figures
from orchestration.reports.layout import Chart, Heading, Paragraph, TableBlock, build_layout
from orchestration.reports.pdf import PdfConverter
from orchestration.reports.periods import parse_period
from orchestration.reports.xlsx_report import write_xlsx

LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class ReportFiles:
    """What was written, for the caller's log and asset metadata."""

    period: str
    folder: Path
    docx: Path
    xlsx: Path
    pdf: Path | None
    pdf_message: str
    tables: int
    charts: int
    missing_tables: tuple[str, ...] = ()  # marts the report looked for and did not find
    warnings: tuple[str, ...] = field(default_factory=tuple)


def write_report(
    analytics_path: Path, period: str, out_dir: Path, *, make_pdf: bool = True, generated: date | None = None
) -> ReportFiles:
    """Write <out_dir>/<period>/ with report_<period>.docx, .xlsx and .pdf; replace it if present."""
    reporting_period = parse_period(period)
    # LibreOffice starts now and is up by the time the .docx is written (see pdf.py).
    with PdfConverter() if make_pdf else nullcontext() as converter:
        figures = read_figures(analytics_path, reporting_period)
        layout = build_layout(figures)
        out_dir.mkdir(parents=True, exist_ok=True)
        final = out_dir / period
        staging = out_dir / f".{period}.tmp-{uuid.uuid4().hex}"
        staging.mkdir()
        try:
            docx_path = staging / f"report_{period}.docx"
            xlsx_path = staging / f"report_{period}.xlsx"
            write_docx(layout, docx_path, generated or date.today())
            write_xlsx(layout, xlsx_path)
            pdf = converter.convert(docx_path) if converter else None
            _swap(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    missing = tuple(
        [s.table for s in INDICATORS if not figures.indicators[s.key].present]
        + [s.table for s in QUALITY if not figures.quality[s.key].present]
        + [
            name
            for name, value in (
                ("registry_versions_used", figures.registries),
                ("registry_timeliness", figures.timeliness),
                ("exclusions_summary", figures.exclusions),
                ("letters_sent", figures.letters),
            )
            if value is None
        ]
    )
    return ReportFiles(
        period=period,
        folder=final,
        docx=final / docx_path.name,
        xlsx=final / xlsx_path.name,
        pdf=(final / pdf.path.name) if pdf and pdf.path else None,
        pdf_message=pdf.message if pdf else "PDF not requested",
        tables=len(layout.tables),
        charts=sum(isinstance(b, Chart) for b in layout.blocks),
        missing_tables=missing,
        warnings=tuple(_latin_warnings(layout)),
    )


def _swap(staging: Path, final: Path) -> None:
    """Move the finished folder into place; the previous one is removed only afterwards."""
    retired = final.with_name(f".{final.name}.old-{uuid.uuid4().hex}")
    if final.exists():
        os.replace(final, retired)
    os.replace(staging, final)
    shutil.rmtree(retired, ignore_errors=True)


def _latin_warnings(layout) -> list[str]:
    """Raw codes reaching the page (e.g. a mart carrying 'acc' instead of a service name)."""
    found: set[str] = set()
    for block in layout.blocks:
        texts: list[str] = []
        if isinstance(block, Heading | Paragraph):
            texts = [block.text]
        elif isinstance(block, TableBlock):
            t = block.table
            texts = [
                t.title,
                t.stub,
                *t.notes,
                *(c.label for c in t.columns),
                *(c.group or "" for c in t.columns),
                *(r.label for r in t.rows),
                *(c.text() for r in t.rows for c in r.cells),
            ]
        found.update(x for x in texts if LATIN.search(x))
    return [f"Latin letters in visible text: {text!r}" for text in sorted(found)]
