"""Convert .docx files to PDF with LibreOffice where it is installed.

The PDF is a convenience copy of the document (the .docx is the report), so a machine
without LibreOffice skips it and says so instead of failing the report. A private profile
directory per converter lets several conversions run at once without LibreOffice's lock.

LibreOffice is slow to start, and each document takes it a while more (docs/performance.md).
So a converter starts one LibreOffice first (`PdfConverter`),
headless on its private profile and holding an empty text document open, and converts every
.docx it is then given with that one instance while the caller builds the next report: the
usual ``--convert-to`` command finds the instance up on the same profile, hands it the file
over LibreOffice's single-instance pipe and waits for the PDF. Left to itself LibreOffice
quits as soon as it has no document open, which after a handed-over conversion is at once;
the open text document keeps it up for the next one, and `close` stops it. One LibreOffice
writes each PDF, as the plain command does (the PDFs are the same but for their creation
time and id); only the start-up is paid once and ahead of the first .docx.

The handing over is safe only once the instance owns the profile's pipe: asked earlier, the
command would become the instance itself, and the early one would hand *it* the open text
document, keeping it from ever returning. So the first conversion waits until the text
document is open (LibreOffice's lock file beside it appears), which the instance does only
after it has taken the pipe. An instance that does not get there, or dies later, is dropped
and each conversion starts LibreOffice itself, as the plain command does.

A run killed outright cannot stop an instance it started, so the early instance runs under
``timeout`` and is gone after `limit_seconds` at the latest; without ``timeout`` nothing is
started early and each conversion starts LibreOffice itself.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

TIMEOUT_SECONDS = 300  # one conversion
START_SECONDS = 60  # an early instance gets this long to open its text document
STOP_SECONDS = 5  # SIGTERM, then SIGKILL after this long
KEEP_OPEN = "keep-open.txt"


def limit_seconds(documents: int) -> int:
    """The early instance's time limit: each report's own work and its conversion, and one more."""
    return (documents + 1) * TIMEOUT_SECONDS


@dataclass(frozen=True)
class PdfResult:
    path: Path | None
    message: str


def find_office() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


class PdfConverter:
    """One LibreOffice for one or more documents: started on creation where it can be, it
    converts each .docx it is given in turn, and is stopped by `close`.

    Use as a context manager (or call `close`): it stops the instance and removes the
    private profile. `documents` (how many .docx will come) sets the instance's time limit.
    Not for concurrent use: one caller converts one document at a time.
    """

    def __init__(self, office: str | None = None, *, start_early: bool = True, documents: int = 1) -> None:
        self.office = office or find_office()
        self.folder: Path | None = None
        self.early: subprocess.Popen | None = None
        self.ready = False  # the early instance is up and holds its text document open
        if self.office is None:
            return
        self.folder = Path(tempfile.mkdtemp(prefix="report-pdf-"))
        (self.folder / "tmp").mkdir()
        (self.folder / KEEP_OPEN).touch()
        limiter = shutil.which("timeout")
        if start_early and limiter is not None:
            try:
                self.early = subprocess.Popen(
                    [limiter, "-k", str(STOP_SECONDS), str(limit_seconds(documents)), self.office,
                     *self._profile(), "--headless", "--norestore", "--nologo", str(self.folder / KEEP_OPEN)],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    env=self._environment(), start_new_session=True,  # its own group, to stop it whole
                )
            except OSError:
                self.early = None  # each conversion starts LibreOffice itself

    def _profile(self) -> list[str]:
        return [f"-env:UserInstallation={self._profile_url()}"]

    def _profile_url(self) -> str:
        assert self.folder is not None
        return (self.folder / "profile").as_uri()

    def _environment(self) -> dict[str, str]:
        """LibreOffice's temporary files go to the private folder, removed with it."""
        assert self.folder is not None
        return {**os.environ, "TMPDIR": str(self.folder / "tmp")}

    def _early_ready(self) -> bool:
        """Whether a conversion may be handed to the early instance; waits for it the first time."""
        if self.early is None:
            return False
        if self.ready:
            if self.early.poll() is None:
                return True
            self._drop_early()  # it died: conversions start LibreOffice themselves
            return False
        assert self.folder is not None
        opened = self.folder / f".~lock.{KEEP_OPEN}#"  # written once the document is open
        deadline = time.monotonic() + START_SECONDS
        while self.early.poll() is None and time.monotonic() < deadline:
            if opened.exists():
                self.ready = True
                return True
            time.sleep(0.02)
        self._drop_early()
        return False

    def convert(self, docx_path: Path) -> PdfResult:
        """Write <name>.pdf beside the .docx; never raises for a missing or failing LibreOffice."""
        if self.office is None:
            return PdfResult(None, "PDF skipped: LibreOffice (soffice/libreoffice) is not on PATH")
        handed_over = self._early_ready()
        result = self._run(docx_path)
        if result.path is None and handed_over and self.early is not None and self.early.poll() is not None:
            self._drop_early()  # the instance died under this conversion: once more, by itself
            result = self._run(docx_path)
        return result

    def _run(self, docx_path: Path) -> PdfResult:
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
        """Stop the early instance and remove the profile."""
        self._drop_early()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def _drop_early(self) -> None:
        """Stop the early instance and remove the pipe it leaves behind when stopped.

        LibreOffice's launcher (``timeout``'s child) ends with its office at once on SIGTERM and
        ``timeout`` with it; ``timeout`` itself, signalled, would wait out its ``-k`` grace. So the
        launcher is signalled first, and the whole process group only if that does not do.
        """
        if self.early is None:
            return
        deadline = time.monotonic() + STOP_SECONDS
        while self.early.poll() is None and time.monotonic() < deadline:
            for pid in _children(self.early.pid):  # none yet if ``timeout`` has only just started
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            try:
                self.early.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                continue
        if self.early.poll() is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.early.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.early.wait(timeout=STOP_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self.early = None
        self.ready = False
        self._pipe_path().unlink(missing_ok=True)

    def _pipe_path(self) -> Path:
        """LibreOffice's single-instance pipe for this profile (desktop/source/app/officeipcthread.cxx:
        an MD5 of the profile URL in UTF-16, hex digits without leading zeros, under /tmp)."""
        digest = hashlib.md5(self._profile_url().encode("utf-16-le"), usedforsecurity=False).digest()
        return Path("/tmp") / f"OSL_PIPE_{os.getuid()}_SingleOfficeIPC_{''.join(f'{b:x}' for b in digest)}"

    def __enter__(self) -> PdfConverter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc; none found elsewhere)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "pid (name)": state, ppid, ...
        except (OSError, IndexError):
            continue
        if fields[1:2] == [str(pid)]:
            found.append(int(stat.parent.name))
    return found


def convert_to_pdf(docx_path: Path, office: str | None = None) -> PdfResult:
    """One conversion with LibreOffice started for it (no early start)."""
    with PdfConverter(office, start_early=False) as converter:
        return converter.convert(docx_path)
