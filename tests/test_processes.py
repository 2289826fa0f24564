"""A child of a killed run does not outlive it (reader workers, dbt)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

CHILD = """
import os, time
from orchestration.runtime.processes import exit_when_parent_dies
parent = os.getpid()
pid = os.fork()
if pid == 0:
    exit_when_parent_dies(parent, poll_seconds=0.1, exit_if_orphaned=True)
    time.sleep(60)
    os._exit(0)
print(pid, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().split(")")[-1].split()[0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def test_forked_child_exits_when_its_parent_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    grandchild = int(parent.stdout.readline())
    assert _alive(grandchild)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(grandchild)
