"""Child processes die with the process that started them.

A run killed with SIGKILL cannot clean up: the dbt it started or the reader processes it
forked would otherwise keep running (dbt even keeps writing the warehouse). Each such child
watches its parent and exits when the parent is gone (it is then re-parented).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager


def exit_when_parent_dies(parent_pid: int, poll_seconds: float = 0.5, exit_code: int = 70,
                          exit_if_orphaned: bool = False) -> threading.Thread | None:
    """Start a daemon thread that ends this process once ``parent_pid`` is no longer its parent.

    A child that is not (or no longer) ``parent_pid``'s is left alone, unless the caller
    knows it was forked by ``parent_pid`` (``exit_if_orphaned``): then the parent died before
    the child got here, and the child exits at once.
    """
    if os.getppid() != parent_pid:
        if exit_if_orphaned:
            os._exit(exit_code)
        return None

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(poll_seconds)
        os._exit(exit_code)  # no cleanup: uncommitted DuckDB work is rolled back on the next open

    watcher = threading.Thread(target=watch, name="exit-when-parent-dies", daemon=True)
    watcher.start()
    return watcher


@contextmanager
def forked_workers(count: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``count`` worker processes forked now, each exiting with this process.

    Forked at once (a no-op each), before the caller opens DuckDB or starts threads: a fork
    copies only the forking thread, so it must not happen while another thread holds a lock
    the child might need. The workers start with everything this process has imported.
    """
    with ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("fork"),
                             initializer=exit_when_parent_dies, initargs=(os.getpid(), 0.5, 70, True)) as pool:
        for started in [pool.submit(os.getpid) for _ in range(count)]:
            started.result()
        yield pool
