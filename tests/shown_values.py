"""Every (measure, period, area) figure a rendered paper and its workbook show, with whether
the figure is labelled as ours or published: one figure per key unless labelled (issue 29).

Read from the paper's tables (scorecard, turn-the-curve tables, supporting measures, the
neighbours tables, Annex C) and the workbook's Scorecard and indicator sheets."""

from __future__ import annotations

import re
from collections import defaultdict

import openpyxl

from pipelines.outputs import fmt

LABELS = re.compile(r"\((ours|published|us, published)\)")
US, ENGLAND, NEIGHBOURS = "us", "England", "statistical neighbours (mean)"


def _add(out, mid, period, area, text, where):
    text = str(text).strip()
    if not text or text in (fmt.MISSING, "c"):
        return
    value = LABELS.sub("", text).split(" (")[0].strip()
    out[(mid, str(period), area)].append((value, bool(LABELS.search(text)), where))


def _first(cell: str) -> str:
    return cell.split(" ")[0] if cell else ""


def paper(tables: dict, catalogue, rows, region: str, authority: str) -> dict:
    """(measure_id, period, area) -> [(value, labelled, where)] from the paper's tables;
    ``rows`` are the paper's rows (gather.PaperData.rows) for the neighbours tables' period."""
    out = defaultdict(list)
    by_title = dict(zip(catalogue["title"], catalogue["measure_id"]))
    head = catalogue[catalogue["is_headline"].astype(bool)].set_index("indicator_id")["measure_id"]
    for r in tables["scorecard"][1:]:
        mid = head[r[0].split()[0]]
        period = r[1].split(" (")[0]
        _add(out, mid, period, US, _first(r[2]), "scorecard")
        for cell, area in ((r[7], ENGLAND), (r[8], NEIGHBOURS)):
            m = re.match(r"(\S+)(?: \((.+)\))?$", cell)
            if m and cell != fmt.MISSING:
                _add(out, mid, m.group(2) or period, area, m.group(1), "scorecard")
    for key, t in tables.items():
        if key.startswith("ttc-"):
            mid = key[4:]
            for r in t[1:]:
                if "(forecast)" in r[0]:
                    continue
                _add(out, mid, r[0], US, r[1], key)
                _add(out, mid, r[0], ENGLAND, r[4], key)
                _add(out, mid, r[0], NEIGHBOURS, r[5], key)
        elif key.startswith("sn-"):
            mid = key[3:]
            period = rows.set_index("measure_id").at[mid, "benchmark_period"]
            for r in t[1:]:
                area = {NEIGHBOURS.capitalize(): NEIGHBOURS, "Statistical neighbours (mean)": NEIGHBOURS}.get(r[0], r[0])
                area = US if r[0].startswith(authority + " (us") else area
                _add(out, mid, period, area, r[1] + (" (published)" if "published" in r[0] else ""), key)
        elif key == "spine":
            for r in t[1:]:
                mid = by_title[r[0]]
                _add(out, mid, r[1], US, r[2], key)
                _add(out, mid, r[1], ENGLAND, r[3], key)
                _add(out, mid, r[1], region, r[4], key)
                _add(out, mid, r[1], NEIGHBOURS, r[5], key)
        elif not key.endswith("/why") and t and t[0][:3] == ["Measure", "Period", "Latest"]:
            for r in t[1:]:
                title = re.sub(r"\s+[A-Z]+[0-9]+\.[a-z0-9_]+/\S+$", "", r[0])     # the figure id printed beside it
                _add(out, by_title[title], r[1].split(" (")[0], US, r[2], "supporting")
    return out


def workbook(path, catalogue, out=None) -> dict:
    """The workbook's Scorecard (our value; England for the comparator period) and
    indicator sheets (breakdown all), formatted as the paper formats them."""
    out = out if out is not None else defaultdict(list)
    units = dict(zip(catalogue["measure_id"], catalogue["unit"]))
    book = openpyxl.load_workbook(path, read_only=True)
    for ws in book.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if not rows or ws.title in ("Notes", "Definitions"):
            continue
        h = {str(c): i for i, c in enumerate(rows[0])}
        for r in rows[1:]:
            if ws.title == "Scorecard":
                mid = r[h["Measure id"]]
                if r[h["Period"]]:
                    _add(out, mid, r[h["Period"]], US, fmt.value(r[h["Value"]], units[mid]), "workbook Scorecard")
                bp = [c for c in h if c.startswith("Comparator period")][0]
                if r[h[bp]]:
                    _add(out, mid, r[h[bp]], ENGLAND, fmt.value(r[h["England"]], units[mid]), "workbook Scorecard")
            elif "breakdown" in h and r[h["breakdown"]] == "all":
                mid = r[h["measure_id"]]
                _add(out, mid, r[h["period"]], US, fmt.value(r[h["value"]], units[mid]), f"workbook {ws.title}")
    return out


def _number(text: str) -> tuple[float, int] | None:
    """(value, decimal places) of a printed figure; None for text that is not one."""
    t = text.replace(",", "").rstrip("%")
    try:
        return float(t), len(t.split(".")[1]) if "." in t else 0
    except ValueError:
        return None


def same(a: str, b: str) -> bool:
    """One figure printed to different places (1.5 and 1.51: fmt.value_ci gives a value the
    places its interval needs), or the same text; the workbook's stored figure is written as
    the paper writes it on its own."""
    if a == b:
        return True
    x, y = _number(a), _number(b)
    if x is None or y is None:
        return False
    places = min(x[1], y[1])
    return abs(x[0] - y[0]) <= 0.5 * 10 ** -places + 1e-9


def conflicts(shown: dict) -> list:
    """Keys shown with two different unlabelled values (not one figure at two precisions):
    [(key, [(value, where), ...])]."""
    bad = []
    for key, seen in shown.items():
        plain = sorted({v for v, labelled, _ in seen if not labelled})
        if any(not same(a, b) for i, a in enumerate(plain) for b in plain[i + 1:]):
            bad.append((key, sorted({(v, w) for v, labelled, w in seen if not labelled})))
    return bad
