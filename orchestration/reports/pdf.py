"""Convert the .docx to PDF with LibreOffice where it is installed.

The PDF is a convenience copy of the document (the .docx is the report), so a machine
without LibreOffice skips it and says so instead of failing the report. A private profile
directory per call lets several conversions run at once without LibreOffice's lock.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class PdfResult:
    path: Path | None
    message: str


def find_office() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(docx_path: Path, office: str | None = None) -> PdfResult:
    """Write <name>.pdf beside the .docx; never raises for a missing or failing LibreOffice."""
    office = office or find_office()
    if office is None:
        return PdfResult(None, "PDF skipped: LibreOffice (soffice/libreoffice) is not on PATH")
    with tempfile.TemporaryDirectory(prefix="report-pdf-") as profile:
        command = [
            office,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(docx_path.parent),
            str(docx_path),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return PdfResult(None, f"PDF skipped: LibreOffice failed to run ({error})")
    pdf = docx_path.with_suffix(".pdf")
    if done.returncode != 0 or not pdf.exists():
        detail = (done.stderr or done.stdout).strip()[-500:]
        return PdfResult(None, f"PDF skipped: LibreOffice exited with {done.returncode}: {detail}")
    return PdfResult(pdf, f"PDF written with {office}")
