"""dbt forked from the run's process instead of started as a program of its own.

A new dbt process spends a good share of its start importing dbt before it reads a file, and
the build waits for that on the critical path of every run and of every test that builds the
warehouse (a dbt invocation that selects nothing, as a program and forked: docs/performance.md). The run's
process has already imported nearly all of dbt (dagster-dbt imports it), so a fork of it
starts dbt's work at once: the child runs dbt's programmatic entry point (``dbtRunner``)
with the arguments, environment and working folder the command would get, writes the same
JSON log lines into the same pipe, and exits with the exit code the command would have.
`ForkedDbt` has the ``subprocess.Popen`` methods dagster-dbt uses, so to dagster-dbt it is
the process it would have started; `forking_dbt` has dagster-dbt start one where it would
start the program.

Each child is a fresh dbt: the run's process never runs dbt itself, so no dbt state (flags,
adapters, the DuckDB connection) outlives a build. What the child inherits from the parent
is left alone: its objects are frozen out of the child's garbage collector (a finaliser of
the parent's, run in the child, could flush the parent's buffers a second time), its files
stay open, its exit handlers never run (the child leaves with ``os._exit``, after the
multiprocessing finalisers dbt itself registered: its locks).

Only the dbt installed beside this Python is forked (another one runs as its program), only
where ``os.fork`` exists, and only from a process with no DuckDB database of the warehouse
open (the caller has just waited for the warehouse to be free).
"""

from __future__ import annotations

import gc
import multiprocessing.util
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from dbt.cli.main import dbtRunner  # imported with the code location, not in each child

# dbt's exit codes (dbt.cli.exceptions.ExitCodes): a failed node, an error dbt did not handle
MODEL_ERROR_EXIT = 1
UNHANDLED_ERROR_EXIT = 2


OWN_DBT = Path(sys.executable).parent / "dbt"  # the dbt installed beside this Python (the project's venv)


def is_own_dbt(executable: str | os.PathLike[str]) -> bool:
    """Whether ``executable`` is `OWN_DBT`."""
    return Path(executable) == OWN_DBT


def start_dbt(args: Sequence[str], env: Mapping[str, str], cwd: str | os.PathLike[str]) -> ForkedDbt | subprocess.Popen:
    """``dbt <args>`` with its output and errors on one pipe (``.stdout``): forked where it can
    be, else the program."""
    if hasattr(os, "fork") and is_own_dbt(args[0]):
        return ForkedDbt(args, env, cwd)
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=dict(env), cwd=cwd)


class ForkedDbt:
    """``dbt <args>`` run by a fork of this process; the Popen interface dagster-dbt uses.

    ``stdout`` carries dbt's output and error stream, as ``Popen(stdout=PIPE, stderr=STDOUT)``.
    """

    def __init__(self, args: Sequence[str], env: Mapping[str, str], cwd: str | os.PathLike[str]) -> None:
        self.args = list(args)
        self.returncode: int | None = None
        self._waiting = threading.Lock()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            gc.freeze()  # the parent's objects are not the child's to collect (nor to finalise)
            code = UNHANDLED_ERROR_EXIT
            try:
                os.close(read)
                code = _run_dbt(self.args[1:], env, cwd, write)
            except BaseException:
                traceback.print_exc()  # into the pipe once it is stderr: dagster-dbt shows it
                sys.stderr.flush()
            finally:
                os._exit(code)
        os.close(write)
        self.pid = pid
        self.stdout: IO[bytes] = os.fdopen(read, "rb")

    def poll(self) -> int | None:
        return self._reap(block=False)

    def wait(self, timeout: float | None = None) -> int:
        if timeout is None:
            code = self._reap(block=True)
            assert code is not None
            return code
        deadline = time.monotonic() + timeout
        while (code := self._reap(block=False)) is None:
            if time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(self.args, timeout)
            time.sleep(0.01)
        return code

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def _reap(self, block: bool) -> int | None:
        with self._waiting:
            if self.returncode is None:
                pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
            return self.returncode


def _run_dbt(argv: list[str], env: Mapping[str, str], cwd: str | os.PathLike[str], output: int) -> int:
    """In the child: dbt's command line ``argv`` as the ``dbt`` program would run it."""
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    stdin = os.open(os.devnull, os.O_RDONLY)
    os.dup2(stdin, 0)
    os.close(stdin)
    # The run's handlers turn signals into Dagster interruptions: dbt wants Python's own.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 - the child's streams, kept
    sys.stdout = open(1, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
    multiprocessing.util._finalizer_registry.clear()  # the parent's: not the child's to run
    result = dbtRunner().invoke(argv)
    multiprocessing.util._run_finalizers()  # dbt's locks: released as at a normal exit
    sys.stdout.flush()
    sys.stderr.flush()
    if result.success:
        return 0
    return UNHANDLED_ERROR_EXIT if result.exception is not None else MODEL_ERROR_EXIT


class _SubprocessStartingForkedDbt:
    """The ``subprocess`` module, but ``Popen`` of this Python's dbt forks (`ForkedDbt`)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    @staticmethod
    def Popen(args: Sequence[str], **kwargs: Any) -> ForkedDbt | subprocess.Popen:  # noqa: N802 - subprocess's name
        if kwargs.get("stdout") == subprocess.PIPE and kwargs.get("stderr") == subprocess.STDOUT and set(kwargs) <= {
                "stdout", "stderr", "env", "cwd"}:  # how dagster-dbt starts dbt
            return start_dbt(args, kwargs.get("env") or os.environ, kwargs.get("cwd") or os.getcwd())
        return subprocess.Popen(args, **kwargs)


@contextmanager
def forking_dbt() -> Iterator[None]:
    """While inside, dagster-dbt starts this Python's dbt as a `ForkedDbt`.

    dagster-dbt starts dbt with ``subprocess.Popen`` in one place (``DbtCliInvocation.run``,
    dagster-dbt 0.29); that module's ``subprocess`` is swapped for the length of the call.
    """
    from dagster_dbt.core import dbt_cli_invocation

    original = dbt_cli_invocation.subprocess
    dbt_cli_invocation.subprocess = _SubprocessStartingForkedDbt()  # type: ignore[assignment]
    try:
        yield
    finally:
        dbt_cli_invocation.subprocess = original
