"""Child processes die with the process that started them.

A run killed with SIGKILL cannot clean up: the dbt it started or the reader processes it
forked would otherwise keep running (dbt even keeps writing the warehouse). Each such child
watches its parent and exits when the parent is gone (it is then re-parented).
"""

from __future__ import annotations

import os
import threading
import time


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
