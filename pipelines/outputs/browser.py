"""Open a paper in headless Chromium over the DevTools protocol and report what drew.

Used by the tests (and available to anyone checking a paper by hand): every plotly chart
must have drawn its SVG and the page must log no errors. ``--dump-dom`` cannot see console
errors, hence the small protocol client (``websockets`` is already a dependency of the
stack).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from websockets.sync.client import connect

from pipelines.outputs import atomic

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--hide-scrollbars", "--mute-audio")


def chromium() -> str:
    """The Chromium binary: ``$OBA_CHROMIUM``, else the first one on PATH."""
    found = os.environ.get("OBA_CHROMIUM") or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    if not found:
        raise FileNotFoundError("no Chromium found: install chromium or set OBA_CHROMIUM")
    return found


def chromium_command(*args: str, user_data_dir: str) -> list[str]:
    return [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={user_data_dir}", *args]


# Runs in the page: one entry per plotly chart with the SVG layers and traces it drew.
PROBE = """JSON.stringify(Array.from(document.querySelectorAll('.js-plotly-plot')).map(d => ({
  id: d.id, svgs: d.querySelectorAll('.main-svg').length,
  traces: d.querySelectorAll('.scatterlayer .trace, .barlayer .trace').length,
  title: (d.querySelector('.gtitle') || {}).textContent || ''})))"""


@dataclass
class PageReport:
    charts: list[dict]
    errors: list[str] = field(default_factory=list)

    @property
    def undrawn(self) -> list[str]:
        return [c["id"] for c in self.charts if c["svgs"] == 0 or c["traces"] == 0]


class _Session:
    def __init__(self, ws, session_id: str | None = None):
        self.ws, self.session_id, self.next_id, self.events = ws, session_id, 0, []

    def call(self, method: str, timeout: float = 30, **params) -> dict:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if self.session_id:
            msg["sessionId"] = self.session_id
        self.ws.send(json.dumps(msg))
        deadline = time.monotonic() + timeout
        while True:
            reply = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events:
                if e.get("method") == method:
                    return e
            self.events.append(json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic()))))


def _errors(events: list[dict]) -> list[str]:
    out = []
    for e in events:
        p = e.get("params", {})
        if e.get("method") == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            out.append(d.get("exception", {}).get("description") or d.get("text", "exception"))
        elif e.get("method") == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif e.get("method") == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            out.append(f"{p['entry'].get('source')}: {p['entry'].get('text')} {p['entry'].get('url', '')}")
    return out


# Runs in the page: resolves a frame after every plotly chart has drawn its SVG, or after
# 10 s regardless (a chart that cannot draw is reported by inspect(), not by a hung print).
DRAWN = """new Promise(done => { const until = Date.now() + 10000;
  const drawn = () => Array.from(document.querySelectorAll('.js-plotly-plot')).every(d => d.querySelector('.main-svg'));
  const tick = () => drawn() || Date.now() > until ? requestAnimationFrame(() => done(true)) : setTimeout(tick, 10);
  tick(); })"""


class Chromium:
    """Headless Chromium driven over the DevTools protocol, one page. Started on entering,
    so a caller can do other work while it starts (``page()`` waits for it)."""

    def __init__(self, timeout: float = 30):
        self.timeout, self._page = timeout, None

    def __enter__(self) -> Chromium:
        self._profile = tempfile.TemporaryDirectory(prefix="oba-cdp-")
        # Its own process group: /usr/bin/chromium is a wrapper script, and the browser's helper
        # processes (zygote, GPU, renderers, crash handler) must all end before the profile goes.
        self.proc = subprocess.Popen(chromium_command("--remote-debugging-port=0", "about:blank",
                                                      user_data_dir=self._profile.name),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        return self

    def page(self) -> _Session:
        """The session of the browser's page (its events in ``.events``), once it is up."""
        if self._page is None:
            port_file, deadline = Path(self._profile.name) / "DevToolsActivePort", time.monotonic() + self.timeout
            while not (port_file.exists() and len(port_file.read_text().split()) >= 2):
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("Chromium did not open its DevTools port")
                time.sleep(0.02)
            port, path = port_file.read_text().split()[:2]
            self.ws = connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=self.timeout)
            self.browser = _Session(self.ws)
            target = next(t["targetId"] for t in self.browser.call("Target.getTargets")["targetInfos"]
                          if t["type"] == "page")
            sid = self.browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            self._page = _Session(self.ws, sid)
            self._page.events = self.browser.events  # one socket: events of both land in one list
        return self._page

    def open(self, html_file: Path, timeout: float = 90) -> _Session:
        """Load ``html_file`` and wait for its load event."""
        page = self.page()
        page.call("Page.enable")
        # A page opened before left its load event in the list: wait for this one's.
        page.events[:] = [e for e in page.events if e.get("method") != "Page.loadEventFired"]
        page.call("Page.navigate", url=Path(html_file).resolve().as_uri())
        page.wait_for("Page.loadEventFired", timeout=timeout)
        return page

    def __exit__(self, *exc) -> None:
        try:
            if self._page is not None:
                try:
                    self.browser.call("Browser.close", timeout=5)
                except Exception:  # noqa: BLE001 - closing anyway
                    pass
                self.ws.close()
        finally:
            _end_group(self.proc)
            # A process that outlived the group kill can still be writing its profile: retry.
            for _ in range(50):
                shutil.rmtree(self._profile.name, ignore_errors=True)
                if not os.path.exists(self._profile.name):
                    break
                time.sleep(0.1)
            self._profile.cleanup()


def _group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` is still running (zombies waiting to be reaped
    are not: orphans' zombies may never be reaped in a container without an init)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


def _end_group(proc: subprocess.Popen, grace: float = 10) -> None:
    """Terminate ``proc`` and every process of its group; kill what is left after ``grace`` s."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break  # the whole group has gone
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            proc.poll()  # reap the leader
            if not _group_alive(proc.pid):
                proc.poll()
                return
            time.sleep(0.05)
    proc.poll()


def load(chrome: Chromium, html_file: Path, timeout: float = 120) -> _Session:
    """Open ``html_file`` and wait until its charts have drawn."""
    page = chrome.open(html_file, timeout=timeout)
    page.call("Runtime.evaluate", timeout=timeout, expression=DRAWN, awaitPromise=True)
    return page


def print_page(page: _Session, pdf_file: Path, timeout: float = 120, footer: str | None = None) -> Path:
    """Print the open page: A4 from the CSS @page rule, backgrounds printed, a tagged PDF
    (structure for screen readers) with an outline from the headings; ``footer`` (Chromium's
    footer template: ``pageNumber`` / ``totalPages`` spans) on every page, else no header or
    footer."""
    done = page.call("Page.printToPDF", timeout=timeout, printBackground=True, preferCSSPageSize=True,
                     displayHeaderFooter=footer is not None, headerTemplate="<span></span>",
                     footerTemplate=footer or "<span></span>", generateTaggedPDF=True,
                     generateDocumentOutline=True, transferMode="ReturnAsBase64")
    return atomic.write_bytes(pdf_file, base64.b64decode(done["data"]))


def anchor_pages(pdf_file: Path) -> dict[str, int]:
    """Page number of each anchor (element id) that a link in the PDF points to, from the PDF's
    named destinations (poppler's ``pdfinfo -dests``)."""
    found = shutil.which("pdfinfo")
    if not found:
        raise FileNotFoundError("pdfinfo (poppler-utils) is needed to number the contents: "
                                "install poppler-utils (scripts/system-deps.sh)")
    out = subprocess.run([found, "-dests", str(pdf_file)], capture_output=True, text=True, check=True).stdout
    pages = {}
    for line in out.splitlines()[1:]:
        m = re.match(r'\s*(\d+)\s+\[.*\]\s+"(.*)"\s*$', line)
        if m:
            pages.setdefault(m.group(2), int(m.group(1)))
    return pages


def inspect(html_file: Path, settle: float = 1.0, timeout: float = 90) -> PageReport:
    """Load ``html_file``, wait for the load event (plus ``settle`` seconds), probe the charts."""
    with Chromium() as chrome:
        page = chrome.page()
        for domain in ("Runtime.enable", "Log.enable"):
            page.call(domain)
        chrome.open(html_file, timeout=timeout)
        time.sleep(settle)
        probe = page.call("Runtime.evaluate", expression=PROBE, returnByValue=True)
        charts = json.loads(probe["result"]["value"])
        # Drain events that arrived while we slept.
        try:
            while True:
                page.events.append(json.loads(chrome.ws.recv(timeout=0.2)))
        except TimeoutError:
            pass
        return PageReport(charts, _errors(page.events))
