"""Debian's headless Chromium driven over the Chrome DevTools Protocol, for the UI's browser test.

A small client rather than a browser-automation package: Chromium is started with
``--remote-debugging-port=0`` (it writes the port it chose into its profile folder), one page
is opened, and commands go over that page's websocket (``websockets``, already a pinned
dependency of Dagster's GraphQL client). Every JavaScript exception, ``console.error`` and
browser log entry of level error is kept, so a test can assert that a page rendered cleanly.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.request import Request, urlopen

from websockets.sync.client import ClientConnection, connect

CHROMIUM = "chromium"
WINDOW = (1600, 1000)


def chromium_path() -> str:
    """Debian's chromium (``make browser`` installs it); the test fails, saying so, without it."""
    path = shutil.which(CHROMIUM)
    assert path, ("Debian's chromium is not installed: run `make browser` as root "
                  "(apt-get install chromium) — the UI's browser test needs it")
    return path


class Page:
    """One browser tab: send a command and wait for its answer, keeping the events in between."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.events: list[dict] = []
        self._last_id = 0

    def call(self, method: str, timeout: float = 60, **params) -> dict:
        self._last_id += 1
        command_id = self._last_id
        self.socket.send(json.dumps({"id": command_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("id") == command_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def open(self, url: str, ready: str, timeout: float = 120) -> None:
        """Go to ``url`` and wait until the JavaScript expression ``ready`` is true."""
        self.call("Page.navigate", url=url)
        self.wait_for(ready, timeout)

    def wait_for(self, ready: str, timeout: float = 60) -> None:
        """Wait until the JavaScript expression ``ready`` is true (the page's events kept meanwhile)."""
        deadline = time.monotonic() + timeout
        while not self.evaluate(ready):
            assert time.monotonic() < deadline, (
                f"{self.evaluate('location.href')} did not show {ready} in {timeout} s; page text: "
                f"{(self.evaluate('document.body && document.body.innerText') or '')[:1500]!r}")
            self.settle(0.5)

    def click(self, text: str, selector: str = "button, a, span, div", within: float = 10) -> bool:
        """Click the first visible element matching ``selector`` whose text is ``text`` (the innermost
        such element, where the handler is); False
        when none shows up ``within`` seconds."""
        same = f"(e => e.innerText && e.innerText.trim() === {json.dumps(text)})"
        script = (f"(() => {{ const same = {same}; const el = [...document.querySelectorAll({json.dumps(selector)})]"
                  ".find(e => same(e) && e.offsetParent !== null && ![...e.children].some(same)); "
                  "if (!el) return false; el.click(); return true; })()")
        deadline = time.monotonic() + within
        while not self.evaluate(script):
            if time.monotonic() > deadline:
                return False
            self.settle(0.5)
        return True

    def settle(self, seconds: float) -> None:
        """Let the page run (queries answered, animations ended), keeping what it logs."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                self.events.append(json.loads(self.socket.recv(timeout=left)))
            except TimeoutError:
                break

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def errors(self) -> list[str]:
        """JavaScript exceptions, console.error calls and error-level log entries so far."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                found.append("exception: " + (details.get("exception", {}).get("description") or details["text"]))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append("console.error: " + " ".join(
                    str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                entry = params["entry"]
                found.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())
        return found


@contextmanager
def chromium(profile: Path) -> Iterator[Page]:
    """A headless Chromium with one page, stopped (its whole process group) on leaving."""
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "DevToolsActivePort").unlink(missing_ok=True)  # a previous browser's port
    process = subprocess.Popen(
        [chromium_path(), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--no-default-browser-check", "--disable-extensions",
         f"--user-data-dir={profile}", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
         f"--window-size={WINDOW[0]},{WINDOW[1]}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=(profile / "chromium.log").open("wb"), start_new_session=True)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.is_file() and port_file.read_text().strip()):
            assert process.poll() is None, f"chromium exited: {(profile / 'chromium.log').read_text()[-2000:]}"
            assert time.monotonic() < deadline, "chromium did not open its debugging port in 60 s"
            time.sleep(0.2)
        port = int(port_file.read_text().split()[0])
        with urlopen(Request(f"http://127.0.0.1:{port}/json/new?about:blank", method="PUT"), timeout=30) as answer:
            target = json.load(answer)
        with connect(target["webSocketDebuggerUrl"], max_size=None, open_timeout=30) as socket:
            page = Page(socket)
            for domain in ("Page", "Runtime", "Log"):
                page.call(f"{domain}.enable")
            page.call("Emulation.setDeviceMetricsOverride", width=WINDOW[0], height=WINDOW[1],
                      deviceScaleFactor=1, mobile=False)
            yield page
    finally:
        stop_group(process)


def stop_group(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM then, if need be, SIGKILL the process group ``process`` leads, and reap it."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=timeout)
            break
        except subprocess.TimeoutExpired:
            continue
