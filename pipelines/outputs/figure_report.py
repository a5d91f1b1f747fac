"""``oba explain ID``: one printed figure explained in plain text, for an officer answering
"why 11.1%?".

What it prints: the figure as published (``indicator_values_published``: "c" where hidden) and
its disclosure status (the latest release's certificate gives the reason a cell is hidden), the
definition (``indicator_catalogue``), the deliveries it used with what each one's rows contribute
and the quarantined records that would have counted (``trace``), the run that published it and
the code version, and the SQL that made it with its parameters (``explain.explained``).

No count of 1 to 5 is ever printed ("c"), and nothing that adds up to a hidden cell: when the
published numerator (or denominator) is hidden, every contribution to it is "c" too.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from importlib import metadata
from pathlib import Path

import pandas as pd

from indicators import releases
from indicators.disclosure import SUPPRESSED, is_disclosive
from pipelines.outputs import explain, figure_ids, labels, trace
from pipelines.outputs.figure_ids import FigureKey

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "oba-early-help"


def code_version(root: Path = ROOT) -> str:
    """``git describe`` of the checkout the code runs from, and the package version."""
    try:
        version = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        version = "not installed"
    try:
        described = subprocess.run(["git", "describe", "--always", "--dirty", "--tags"], cwd=root, text=True,
                                   capture_output=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        described = "not a git checkout"
    return f"{described} (package {PACKAGE} {version})"


def count(v, hidden: bool = False) -> str:
    """A count as printed: "c" when hidden or from 1 to 5 (either sign), whole otherwise."""
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "–"
    if hidden or is_disclosive(abs(float(v))):
        return SUPPRESSED
    return f"{float(v):+,.0f}" if float(v) < 0 else f"{float(v):,.0f}"


def published_row(con, key: FigureKey) -> dict | None:
    got = con.execute("select * from indicator_values_published where measure_id = ? and period = ? "
                      "and breakdown = ? and breakdown_value = ?",
                      [key.measure_id, key.period, key.breakdown, str(key.breakdown_value)]).df()
    return None if got.empty else got.iloc[0].to_dict()


def hidden_reasons(data_dir, key: FigureKey) -> tuple[str | None, dict[str, str]]:
    """(release id, series -> why it is hidden) from the latest public release's certificate."""
    public = releases.public(data_dir) if data_dir is not None else []
    if not public:
        return None, {}
    cert = json.loads((public[-1].folder / "certificate.json").read_text())
    want = {"measure_id": key.measure_id, "period": key.period, "breakdown": key.breakdown,
            "breakdown_value": str(key.breakdown_value)}
    return public[-1].release_id, {c["series"]: c["reason"] for c in cert.get("hidden_cells", [])
                                   if all(str(c.get(k)) == v for k, v in want.items())}


def _is_hidden(v) -> bool:
    return isinstance(v, str) and v.strip() == SUPPRESSED


def _shown(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "–"
    if _is_hidden(v):
        return SUPPRESSED
    try:
        return f"{float(v):,.4g}"
    except ValueError:
        return str(v)


def _definition(con, measure_id: str) -> list[str]:
    got = con.execute("select * from indicator_catalogue where measure_id = ?", [measure_id]).df()
    if got.empty:
        return []
    r = got.iloc[0]
    lines = [f"  {r['indicator_id']}: {r['indicator_title']}",
             f"  {r['title']} ({r['unit']}, {r['polarity']} is better; {r['period_type'].replace('_', ' ')})"]
    for k in ("numerator", "denominator", "rules", "completeness", "caveats"):
        if isinstance(r.get(k), str) and r[k].strip():
            lines.append(f"  {k}: {' '.join(r[k].split())}")
    return lines


def _run(con) -> str:
    try:
        r = con.execute("select run_id, published_at from meta_publish order by published_at desc limit 1").fetchone()
    except Exception:   # a warehouse from before meta_publish
        r = None
    return f"run {r[0]}, published {r[1]:%d %B %Y %H:%M}" if r else "run not recorded"


def _deliveries(t: trace.Trace, hide_num: bool, hide_den: bool) -> list[str]:
    used = [d for d in t.deliveries if d.used]
    lines = [f"Deliveries used ({len(used)} of the {len(t.deliveries)} in force for {', '.join(t.indicator.sources)}; "
             "each left out in turn: what its rows contribute):"]
    for d in used:
        received = pd.Timestamp(d.received_at).strftime("%d %b %Y") if d.received_at is not None else "not recorded"
        lines.append(f"  {d.source_file} (version {d.version or 1}, received {received}) SHA-256 {d.file_hash}")
        gives = (f"numerator {count(d.numerator, hide_num)}, denominator {count(d.denominator, hide_den)}"
                 if t.denominator else f"count {count(d.numerator, hide_num)}")
        lines.append(f"    rows loaded {count(d.rows_loaded)}; contributing: {gives}"
                     + ("; without it the figure is not made at all (no rows, or its period not complete)" if d.needed else ""))
        if d.quarantined:
            would = (f"numerator {count(d.would_numerator, hide_num)}, denominator "
                     f"{count(d.would_denominator, hide_den)}" if t.denominator
                     else f"count {count(d.would_numerator, hide_num)}")
            tried = ("" if d.tried == d.quarantined else
                     f" ({count(d.quarantined - d.tried)} not kept in raw_{d.source}, not tried)")
            lines.append(f"    rows quarantined {count(d.quarantined)}{tried}; would have counted: {would}")
    return lines


def report(con, figure_id: str, data_dir=None, with_sql: bool = True) -> str:
    """The explanation of ``figure_id`` on the warehouse ``con`` (``trace.connect``)."""
    key = figure_ids.parse(figure_id)
    t = trace.trace(con, key)
    pub = published_row(con, key) or {}
    hide_value = _is_hidden(pub.get("value"))
    hide_num = hide_value or _is_hidden(pub.get("numerator")) or not pub
    hide_den = hide_value or _is_hidden(pub.get("denominator")) or not pub
    release, reasons = hidden_reasons(data_dir, key)
    place = "" if key.breakdown == figure_ids.ALL else \
        f"; {key.breakdown} = {key.breakdown_value} ({labels.label(key.breakdown, key.breakdown_value)})"
    lines = [f"Figure {figure_ids.make(key.measure_id, key.period, key.breakdown, key.breakdown_value)}",
             f"  measure {key.measure_id}, period {key.period}{place}", ""]
    if pub:
        lines.append(f"Published: value {_shown(pub.get('value'))} (95% CI {_shown(pub.get('ci_lower'))} to "
                     f"{_shown(pub.get('ci_upper'))}); numerator {_shown(pub.get('numerator'))}, denominator "
                     f"{_shown(pub.get('denominator'))}")
        if reasons or any(_is_hidden(pub.get(s)) for s in ("numerator", "denominator", "value")):
            why = "; ".join(f"{s}: {r}" for s, r in reasons.items()) or "hidden with the cells it would reveal"
            lines.append(f"Disclosure: suppressed (shown as c) in release {release or 'not recorded'}: {why}")
        else:
            lines.append(f"Disclosure: shown as computed (no count of 1 to 5; release {release or 'not recorded'})")
    else:
        lines.append("Published: not published (no row in indicator_values_published); its counts are shown as c")
    lines += ["", "Definition (indicators/catalogue.yaml):", *_definition(con, key.measure_id), ""]
    lines += _deliveries(t, hide_num, hide_den)
    lines += ["", f"Made by: {_run(con)}; code {code_version()}; explained {dt.datetime.now():%d %B %Y %H:%M}"]
    if with_sql:
        lines += ["", f"SQL that made it ({t.indicator.sql_file.name}, parameters filled in; this figure is its row "
                      f"measure_id = '{key.measure_id}', period = '{key.period}', breakdown = '{key.breakdown}', "
                      f"breakdown_value = '{key.breakdown_value}'):", "", explain.explained(t.indicator)]
    return "\n".join(lines)


def rows_text(con, figure_id: str, out_file: Path) -> str:
    """Trace the figure to single records (``trace.rows``), write their references (source, file,
    SHA-256, row: no value of any record) to ``out_file`` and say whether the figure made from
    those records alone is the figure."""
    key = figure_ids.parse(figure_id)
    t = trace.trace(con, key)
    found = trace.rows(con, t)
    again = trace.recompute(con, t, found)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    found.to_csv(out_file, index=False)
    pub = published_row(con, key) or {}
    hide = not pub or any(_is_hidden(pub.get(s)) for s in ("numerator", "denominator", "value"))
    per = found.groupby(["source_file", "role"]).size()
    lines = ["", f"Records that make it ({out_file}):"]
    lines += [f"  {f}: {count(n, hide)} record(s), {trace.ROLES[r]}" for (f, r), n in per.items()]
    same = again == (t.numerator, t.denominator)
    lines.append("Made again from those records alone (every other source whole): "
                 + ("the same figure." if same else "a different figure: these records do not make it on their own "
                    "(the figure depends on rows together, e.g. one child counted once across deliveries)."))
    return "\n".join(lines)
