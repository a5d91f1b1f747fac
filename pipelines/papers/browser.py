"""Open a paper in headless Chromium over the DevTools protocol and report what drew.

Used by the tests (and available to anyone checking a paper by hand): every plotly chart
must have drawn its SVG and the page must log no errors. ``--dump-dom`` cannot see console
errors, hence the small protocol client (``websockets`` is already a dependency of the
stack).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from websockets.sync.client import connect

from pipelines.papers.render import chromium_command

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


def inspect(html_file: Path, settle: float = 1.0, timeout: float = 90) -> PageReport:
    """Load ``html_file``, wait for the load event (plus ``settle`` seconds), probe the charts."""
    with tempfile.TemporaryDirectory(prefix="oba-cdp-") as profile:
        proc = subprocess.Popen(chromium_command("--remote-debugging-port=0", "about:blank",
                                                 user_data_dir=profile),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            port_file, deadline = Path(profile) / "DevToolsActivePort", time.monotonic() + 30
            while not (port_file.exists() and len(port_file.read_text().split()) >= 2):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("Chromium did not open its DevTools port")
                time.sleep(0.05)
            port, path = port_file.read_text().split()[:2]
            with connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=30) as ws:
                browser = _Session(ws)
                target = browser.call("Target.createTarget", url="about:blank")["targetId"]
                sid = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
                page = _Session(ws, sid)
                page.events = browser.events  # one socket: events of both land in one list
                for domain in ("Runtime.enable", "Log.enable", "Page.enable"):
                    page.call(domain)
                page.call("Page.navigate", url=Path(html_file).resolve().as_uri())
                page.wait_for("Page.loadEventFired", timeout=timeout)
                time.sleep(settle)
                probe = page.call("Runtime.evaluate", expression=PROBE, returnByValue=True)
                charts = json.loads(probe["result"]["value"])
                # Drain events that arrived while we slept.
                try:
                    while True:
                        page.events.append(json.loads(ws.recv(timeout=0.2)))
                except TimeoutError:
                    pass
                report = PageReport(charts, _errors(page.events))
                browser.call("Browser.close")
            return report
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
