"""The entry points: write reporting periods' folders atomically.

`write_reports` reads analytics.duckdb for each period, lays the report out once, writes the
.docx, the .xlsx and (where LibreOffice exists) the PDF into a temporary folder beside the
target, then swaps it in. A re-run replaces the whole folder, and a reader never sees a
half-written report: the old folder stays complete until the new one is complete.

LibreOffice serves all the periods of a call (pdf.py): it starts first, and converts each
period's .docx in a background thread while the next period's figures, charts and documents
are built, so the two cores do the two kinds of work at once. A call with several periods
starts two instances (`PDF_CONVERTERS`): a conversion takes a little longer than building the
next period, so one instance fell behind and the year's last PDFs waited for it (one against
two instances: docs/performance.md). The folders are swapped in
once every period's files are written; a failure leaves every previous folder as it was.
`write_report` is the same for one period.

Each period is written in each of the requested languages (language.py: Russian, Kazakh): the
figures are read once, and each edition is laid out from them with its own words and reference
names — report_<period>.docx/.xlsx/.pdf (Russian) and report_<period>_kk.* (Kazakh) side by side
in the same folder, swapped in together, so a revision's editions never disagree.

With revision plans (vintages.py, as the report asset passes them), a period's files go to
<out_dir>/<period>/r<N>/ — a revision's folder is written once and never replaced by another
revision — and are then copied, file by file with atomic renames, to <out_dir>/<period>/, where
the latest revision always is. A revision N+1 carries the annex of its changes against N.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from orchestration.outputs.reports.changes import add_changes_annex
from orchestration.outputs.reports.docx_report import write_docx
from orchestration.outputs.reports.figures import INDICATORS, QUALITY, read_figures
from orchestration.outputs.reports.language import RUSSIAN, Language
from orchestration.outputs.reports.layout import Chart, Heading, Paragraph, TableBlock, build_layout
from orchestration.outputs.reports.pdf import PdfConverter, PdfResult
from orchestration.outputs.reports.periods import parse_period
from orchestration.outputs.reports.vintages import RevisionPlan
from orchestration.outputs.reports.xlsx_report import write_xlsx

LATIN = re.compile(r"[A-Za-z]")
# LibreOffice instances converting a call's documents: a conversion takes longer than building
# the next period's documents (docs/performance.md), so one instance fell behind and the last
# PDFs waited for it.
PDF_CONVERTERS = 2


@dataclass(frozen=True)
class Edition:
    """One language's files of a period (in the period's folder)."""

    language: str  # 'ru' | 'kk'
    docx: Path
    xlsx: Path
    pdf: Path | None
    pdf_message: str


@dataclass(frozen=True)
class ReportFiles:
    """What was written, for the caller's log and asset metadata; ``docx``/``xlsx``/``pdf`` are the
    first edition's (Russian unless only Kazakh was asked for), ``editions`` all of them."""

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
    revision: int | None = None  # with a revision plan: the revision written
    revision_folder: Path | None = None  # <out_dir>/<period>/r<N>, of which ``folder`` has a copy
    editions: tuple[Edition, ...] = ()


@dataclass(frozen=True)
class _Draft:
    """A period's .docx and .xlsx in its temporary folder, waiting for the PDF and the swap."""

    files: ReportFiles  # as they will be once swapped in (pdf and pdf_message still to come)
    staging: Path
    docx: tuple[Path, ...]  # in the temporary folder, for LibreOffice: one per edition


def write_report(
    analytics_path: Path, period: str, out_dir: Path, *, make_pdf: bool = True, generated: date | None = None,
    languages: Sequence[Language] = (RUSSIAN,),
) -> ReportFiles:
    """Write <out_dir>/<period>/ with report_<period>.docx, .xlsx and .pdf (and report_<period>_kk.*
    for Kazakh); replace it if present."""
    return write_reports(analytics_path, [period], out_dir, make_pdf=make_pdf, generated=generated,
                         languages=languages)[0]


def write_reports(
    analytics_path: Path, periods: list[str], out_dir: Path, *, make_pdf: bool = True,
    generated: date | None = None, plans: Mapping[str, RevisionPlan] | None = None,
    languages: Sequence[Language] = (RUSSIAN,),
) -> list[ReportFiles]:
    """Write <out_dir>/<period>/ for each period, in the given order, as `write_report` does;
    with ``plans``, <out_dir>/<period>/r<N>/ and its copy in <out_dir>/<period>/."""
    for period in periods:
        parse_period(period)  # an unknown period fails before any work
    if not periods:
        return []
    if not languages:
        raise ValueError("no report language asked for")
    drafts: list[tuple[_Draft, list[Future[PdfResult]] | None]] = []
    documents = len(periods) * len(languages)
    with ExitStack() as stack:
        # LibreOffice starts now and is up by the time the first .docx is written (see pdf.py).
        converters = _Converters(stack, min(PDF_CONVERTERS, documents) if make_pdf else 0, documents)
        pdfs = stack.enter_context(ThreadPoolExecutor(max_workers=max(converters.count, 1),
                                                      thread_name_prefix="report-pdf"))
        try:
            for period in periods:
                plan = (plans or {}).get(period)
                draft = _draft(analytics_path, period, out_dir, generated or date.today(), plan, languages)
                drafts.append((draft, [pdfs.submit(converters.convert, docx) for docx in draft.docx]
                               if converters.count else None))
            finished = [(draft, [pdf.result() for pdf in futures] if futures else None) for draft, futures in drafts]
        except BaseException:
            for _, futures in drafts:
                for pdf in futures or ():
                    pdf.cancel()
            pdfs.shutdown(wait=True)  # a conversion under way finishes before its folder goes
            for draft, _ in drafts:
                shutil.rmtree(draft.staging, ignore_errors=True)
            raise
    files = []
    try:
        for draft, pdf in finished:
            if draft.files.revision_folder is not None:
                _swap(draft.staging, draft.files.revision_folder)
                copy_latest(draft.files.revision_folder, draft.files.folder)
            else:
                _swap(draft.staging, draft.files.folder)
            files.append(_with_pdf(draft.files, pdf))
    finally:
        for draft, _ in finished[len(files):]:
            shutil.rmtree(draft.staging, ignore_errors=True)
    return files


class _Converters:
    """``count`` LibreOffice instances (each its own `PdfConverter`, stopped with ``stack``); a
    conversion takes whichever is free."""

    def __init__(self, stack: ExitStack, count: int, documents: int) -> None:
        self.count = count
        self._free: queue.SimpleQueue[PdfConverter] = queue.SimpleQueue()
        for _ in range(count):
            self._free.put(stack.enter_context(PdfConverter(documents=documents)))

    def convert(self, docx: Path) -> PdfResult:
        converter = self._free.get()
        try:
            return converter.convert(docx)
        finally:
            self._free.put(converter)


def _draft(analytics_path: Path, period: str, out_dir: Path, generated: date,
           plan: RevisionPlan | None = None, languages: Sequence[Language] = (RUSSIAN,)) -> _Draft:
    """Read the period's figures, lay the report out in each language and write the .docx and .xlsx
    into a new temporary folder beside <out_dir>/<period> (or beside its r<N> with a plan)."""
    figures = read_figures(analytics_path, parse_period(period))
    # every edition's figures before any file: a Kazakh name missing fails the period at once
    editions = [(language, figures.in_language(language)) for language in languages]
    final = out_dir / period
    revision_folder = final / f"r{plan.revision}" if plan is not None else None
    parent = final if plan is not None else out_dir
    parent.mkdir(parents=True, exist_ok=True)
    staging = parent / f".{(revision_folder or final).name}.tmp-{uuid.uuid4().hex}"
    staging.mkdir()
    layouts = []
    written: list[tuple[str, Path, Path]] = []
    try:
        for language, edition in editions:
            layout = build_layout(edition)
            if plan is not None:
                add_changes_annex(layout, plan, edition)
            docx_path = staging / f"report_{period}{language.file_suffix}.docx"
            xlsx_path = staging / f"report_{period}{language.file_suffix}.xlsx"
            write_docx(layout, docx_path, generated)
            write_xlsx(layout, xlsx_path)
            layouts.append(layout)
            written.append((language.code, docx_path, xlsx_path))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    layout = layouts[0]
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
    files = ReportFiles(
        period=period,
        folder=final,
        docx=final / written[0][1].name,
        xlsx=final / written[0][2].name,
        pdf=None,
        pdf_message="PDF not requested",
        tables=len(layout.tables),
        charts=sum(isinstance(b, Chart) for b in layout.blocks),
        missing_tables=missing,
        warnings=tuple(w for each in layouts for w in _latin_warnings(each)),
        revision=plan.revision if plan is not None else None,
        revision_folder=revision_folder,
        editions=tuple(Edition(code, final / docx.name, final / xlsx.name, None, "PDF not requested")
                       for code, docx, xlsx in written),
    )
    return _Draft(files=files, staging=staging, docx=tuple(docx for _, docx, _ in written))


def _with_pdf(files: ReportFiles, pdfs: list[PdfResult] | None) -> ReportFiles:
    if pdfs is None:
        return files
    editions = tuple(
        replace(edition, pdf=(files.folder / pdf.path.name) if pdf.path else None, pdf_message=pdf.message)
        for edition, pdf in zip(files.editions, pdfs, strict=True)
    )
    first = editions[0]
    return replace(files, pdf=first.pdf, pdf_message=first.pdf_message, editions=editions)


def _swap(staging: Path, final: Path) -> None:
    """Move the finished folder into place; the previous one is removed only afterwards."""
    retired = final.with_name(f".{final.name}.old-{uuid.uuid4().hex}")
    if final.exists():
        os.replace(final, retired)
    os.replace(staging, final)
    shutil.rmtree(retired, ignore_errors=True)


def copy_latest(revision_folder: Path, folder: Path) -> None:
    """Make <period>/ hold the files of <period>/r<N>/ (each replaced by an atomic rename; a
    file of an earlier revision that r<N> lacks, such as a PDF, removed)."""
    names = {path.name for path in revision_folder.iterdir() if path.is_file()}
    for name in sorted(names):
        temporary = folder / f".{name}.tmp-{uuid.uuid4().hex}"
        shutil.copy2(revision_folder / name, temporary)
        os.replace(temporary, folder / name)
    for path in folder.iterdir():
        if path.is_file() and path.name.startswith("report_") and path.name not in names:
            path.unlink()


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
        found.update(x for x in texts if LATIN.search(layout.texts.LATIN_ALLOWED.sub("", x)))
    return [f"Latin letters in visible text: {text!r}" for text in sorted(found)]
