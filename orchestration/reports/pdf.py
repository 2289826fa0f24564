"""Convert the .docx to PDF with LibreOffice where it is installed.

The PDF is a convenience copy of the document (the .docx is the report), so a machine
without LibreOffice skips it and says so instead of failing the report. A private profile
directory per report lets several conversions run at once without LibreOffice's lock.

LibreOffice takes a second or more to start — as long as the rest of the report's work at
50,000 rows a month — so `write_report` starts it first (`PdfConverter`), headless and idle on
the report's private profile, and asks for the PDF once the .docx is written. The usual
``--convert-to`` command then finds that instance up on the same profile, hands it the file
over LibreOffice's single-instance pipe and waits for the PDF; the instance, with no document
left open, quits by itself. Had the request come first, the command converts by itself and the
early instance hands over to it and quits: either way one LibreOffice writes the PDF, as the
plain command does, and only the start-up moved earlier.

A run killed outright cannot stop an instance it started, so the early instance runs under
``timeout`` and is gone after EARLY_LIMIT_SECONDS at the latest; without ``timeout`` nothing is
started early and the conversion starts LibreOffice itself, as before.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

TIMEOUT_SECONDS = 300  # one conversion
EARLY_LIMIT_SECONDS = 2 * TIMEOUT_SECONDS  # an early instance: the report's own work, then one conversion
QUIT_SECONDS = 10  # an instance quits within a fraction of a second of its conversion


@dataclass(frozen=True)
class PdfResult:
    path: Path | None
    message: str


def find_office() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


class PdfConverter:
    """One report's LibreOffice: started on creation where it can be, one conversion, then gone.

    Use as a context manager (or call `close`): it stops an instance that was never asked to
    convert and removes the private profile.
    """

    def __init__(self, office: str | None = None, *, start_early: bool = True) -> None:
        self.office = office or find_office()
        self.folder: Path | None = None
        self.early: subprocess.Popen | None = None
        self.asked = False
        if self.office is None:
            return
        self.folder = Path(tempfile.mkdtemp(prefix="report-pdf-"))
        (self.folder / "tmp").mkdir()
        limiter = shutil.which("timeout")
        if start_early and limiter is not None:
            try:
                self.early = subprocess.Popen(
                    [limiter, "-k", "5", str(EARLY_LIMIT_SECONDS), self.office, *self._profile(),
                     "--headless", "--norestore", "--nologo"],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    env=self._environment(), start_new_session=True,  # its own group, to stop it whole
                )
            except OSError:
                self.early = None  # the conversion starts LibreOffice itself

    def _profile(self) -> list[str]:
        assert self.folder is not None
        return [f"-env:UserInstallation={(self.folder / 'profile').as_uri()}"]

    def _environment(self) -> dict[str, str]:
        """LibreOffice's temporary files go to the private folder, removed with it."""
        assert self.folder is not None
        return {**os.environ, "TMPDIR": str(self.folder / "tmp")}

    def convert(self, docx_path: Path) -> PdfResult:
        """Write <name>.pdf beside the .docx; never raises for a missing or failing LibreOffice."""
        if self.office is None:
            return PdfResult(None, "PDF skipped: LibreOffice (soffice/libreoffice) is not on PATH")
        self.asked = True
        command = [
            self.office,
            *self._profile(),
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(docx_path.parent),
            str(docx_path),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False,
                env=self._environment(),
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return PdfResult(None, f"PDF skipped: LibreOffice failed to run ({error})")
        pdf = docx_path.with_suffix(".pdf")
        if done.returncode != 0 or not pdf.exists():
            detail = (done.stderr or done.stdout).strip()[-500:]
            return PdfResult(None, f"PDF skipped: LibreOffice exited with {done.returncode}: {detail}")
        return PdfResult(pdf, f"PDF written with {self.office}")

    def close(self) -> None:
        """Let the early instance quit after its conversion (stop it if it was never asked), then
        remove the profile."""
        if self.early is not None:
            try:
                self.early.wait(timeout=QUIT_SECONDS if self.asked else 0)
            except subprocess.TimeoutExpired:
                self._stop(self.early)
            self.early = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    @staticmethod
    def _stop(process: subprocess.Popen) -> None:
        """End the instance's process group (``timeout``, LibreOffice's launcher and office)."""
        for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                return
            try:
                process.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue

    def __enter__(self) -> PdfConverter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def convert_to_pdf(docx_path: Path, office: str | None = None) -> PdfResult:
    """One conversion with LibreOffice started for it (no early start)."""
    with PdfConverter(office, start_early=False) as converter:
        return converter.convert(docx_path)
