"""Turning raw measurements into the summary (JSON) and the printed table with ratios and targets."""

from __future__ import annotations

TARGETS = {
    "nightly_1x_s": 20.0, "unchanged_1x_s": 5.0, "ingest_vs_duckdb_max": 3.0, "pandas_vs_ingest_min_10x": 5.0,
    "peak_34x_gib": 4.0,
}


def _row(label, seconds, rows, peak_mb, note="", ok=True):
    return {"stage": label, "wall_s": None if seconds is None else round(seconds, 2),
            "rows_per_s": round(rows / seconds) if ok and seconds else None,
            "peak_mib": peak_mb, "ok": ok, "note": note}


def summarise(result: dict) -> dict:
    m, rows = result["measurements"], result["rows_delivered"]
    table, ratios, targets = [], {}, []
    if "generate" in m:
        g = m["generate"]
        table.append(_row("generate demo data (setup)", g.get("inner_s"), rows, g["peak_rss_mb"], ok=g["ok"]))
    duck = m.get("duckdb_only")
    if duck:
        note = (f"{duck.get('xlsx_files_skipped', 0)} xlsx files ({duck.get('xlsx_rows_skipped', 0)} rows) not "
                f"readable without DuckDB's excel extension" if duck["ok"] else duck.get("error", "")[:200])
        table.append(_row("baseline (a) DuckDB read_csv only", duck.get("seconds"), rows, duck["peak_rss_mb"], note,
                          duck["ok"]))
    pandas_ = m.get("plain_pandas")
    if pandas_:
        table.append(_row("baseline (b) plain pandas + pandera", pandas_.get("seconds"), rows, pandas_["peak_rss_mb"],
                          "" if pandas_["ok"] else pandas_.get("error", "")[:200], pandas_["ok"]))
    eng = m.get("engine_ingest")
    if eng:
        note = (f"{eng.get('rows_loaded', 0):,} loaded, {eng.get('rows_quarantined', 0):,} quarantined, "
                f"{eng.get('rows_refused', 0):,} refused" if eng["ok"] else eng.get("error", "")[:200])
        table.append(_row("ingest + validate, engine only (no Dagster)", eng.get("seconds"), rows, eng["peak_rss_mb"],
                          note, eng["ok"]))
    pipe = m.get("pipeline")
    ingest_s = None
    if pipe:
        ok = pipe["ok"] and bool(pipe.get("runs"))
        first = pipe["runs"][0] if pipe.get("runs") else {}
        label = "pipeline: ingest assets (runner.run)" if pipe.get("ingest_only") else "full nightly run (runner.run)"
        total = first.get("seconds", 0) + pipe.get("import_s", 0)
        note = (f"{first.get('materialized', 0)} assets; incl. {pipe.get('import_s', 0):.1f} s code-location import; "
                f"Dagster overhead between steps {first.get('dagster_overhead_s', 0):.1f} s"
                if first else pipe.get("error", "")[:200])
        if first and not first.get("success"):
            note += "; RUN FAILED: " + (pipe.get("error") or "")[:200]
        table.append(_row(label, total if first else None, rows, first.get("peak_rss_mb"), note, ok))
        stages = first.get("stages", {})
        names = ["ingest", "indicators", "board_paper"] + sorted(k for k in stages if k.startswith("other:"))
        for name in names:
            s = stages.get(name)
            if s is None:
                why = "absent (not selected: --ingest-only)" if pipe.get("ingest_only") else "absent (no such assets)"
                table.append(_row(f"  stage: {name}", None, rows, None, why, False))
            else:
                table.append(_row(f"  stage: {name}", s["seconds"], rows, s["peak_rss_mb"], f"{s['steps']} steps"))
        ingest_s = stages.get("ingest", {}).get("seconds")
        if len(pipe.get("runs", [])) > 1:
            r2 = pipe["runs"][1]
            why = r2.get("report", "").splitlines()[0] if r2.get("report") else ""
            table.append(_row("unchanged-input rerun (runner.run)", r2["seconds"], rows, r2["peak_rss_mb"],
                              f"{r2['materialized']} assets" + (f"; {why[:70]}" if "Nothing to do" in why else ""),
                              r2.get("success", False)))
    night = m.get("nightly")
    if night:
        ok = night["ok"] and bool(night.get("runs")) and night["runs"][0].get("success", False)
        first = night["runs"][0] if night.get("runs") else {}
        note = (f"{first.get('materialized', 0)} assets; new file {night.get('new_file', '?')}; the warehouse "
                f"already held the other deliveries" if first else night.get("error", "")[:200])
        table.append(_row("nightly run, one new delivery (runner.run)", first.get("seconds"), rows,
                          first.get("peak_rss_mb"), note, ok))
        for name, s in sorted(first.get("stages", {}).items(), key=lambda kv: -kv[1]["seconds"]):
            table.append(_row(f"  stage: {name}", s["seconds"], rows, s["peak_rss_mb"], f"{s['steps']} steps"))
    # ratios
    if duck and duck["ok"]:
        if ingest_s:
            ratios["pipeline_ingest_vs_duckdb"] = round(ingest_s / duck["seconds"], 2)
        if eng and eng["ok"]:
            ratios["engine_ingest_vs_duckdb"] = round(eng["seconds"] / duck["seconds"], 2)
    if pandas_ and pandas_["ok"]:
        if ingest_s:
            ratios["plain_pandas_vs_pipeline_ingest"] = round(pandas_["seconds"] / ingest_s, 2)
        if eng and eng["ok"]:
            ratios["plain_pandas_vs_engine_ingest"] = round(pandas_["seconds"] / eng["seconds"], 2)
        if duck and duck["ok"]:
            ratios["plain_pandas_vs_duckdb"] = round(pandas_["seconds"] / duck["seconds"], 2)
    # targets that apply at this scale
    scale = result["scale"]
    if pipe and pipe.get("runs") and not pipe.get("ingest_only") and scale == 1:
        t = pipe["runs"][0]["seconds"] + pipe.get("import_s", 0)
        targets.append(("full nightly run at 1x < 20 s (cold: all files new)", round(t, 1),
                        t < TARGETS["nightly_1x_s"] and pipe["runs"][0]["success"]))
        if len(pipe["runs"]) > 1:
            t2 = pipe["runs"][1]["seconds"]
            targets.append(("unchanged-input run at 1x < 5 s", round(t2, 1), t2 < TARGETS["unchanged_1x_s"]))
    if night and night.get("runs") and scale == 1:
        t = night["runs"][0]["seconds"]
        targets.append(("full nightly run at 1x < 20 s (one new file)", round(t, 1),
                        t < TARGETS["nightly_1x_s"] and night["runs"][0]["success"]))
    r = ratios.get("pipeline_ingest_vs_duckdb", ratios.get("engine_ingest_vs_duckdb"))
    if r is not None:
        targets.append(("ingest+validate <= 3x DuckDB-only load", r, r <= TARGETS["ingest_vs_duckdb_max"]))
    if scale >= 10:
        r = ratios.get("plain_pandas_vs_pipeline_ingest", ratios.get("plain_pandas_vs_engine_ingest"))
        if r is not None:
            targets.append(("pipeline beats plain pandas by >= 5x", r, r >= TARGETS["pandas_vs_ingest_min_10x"]))
    if scale >= 34:
        peaks = [x["peak_mib"] for x in table if x["peak_mib"] and not x["stage"].startswith(("generate", "baseline"))]
        if peaks:
            targets.append(("peak memory < 4 GiB", round(max(peaks) / 1024, 2), max(peaks) / 1024 < 4))
    return {"table": table, "ratios": ratios,
            "targets": [{"target": t, "measured": v, "met": bool(ok)} for t, v, ok in targets]}


def table(result: dict) -> str:
    s = result["summary"]
    mach = result["machine"]
    lines = [f"OBA pipeline benchmark at {result['scale']:g}x: {result['rows_delivered']:,} rows in "
             f"{result['files_delivered']} files ({result['bytes_delivered'] / 2**20:.0f} MiB); "
             f"{mach['cpu']}, {mach['usable_cpus']} CPUs, {mach['ram_gib']} GiB; commit {mach['git_commit']}",
             "",
             f"{'stage':46s} {'wall s':>8s} {'rows/s':>10s} {'peak MiB':>9s}  note",
             "-" * 110]
    for r in s["table"]:
        wall = "-" if r["wall_s"] is None else f"{r['wall_s']:.2f}"
        rps = "-" if r["rows_per_s"] is None else f"{r['rows_per_s']:,}"
        peak = "-" if r["peak_mib"] is None else f"{r['peak_mib']:,.0f}"
        flag = "" if r["ok"] or r["note"].startswith("absent") else "FAILED "
        lines.append(f"{r['stage']:46s} {wall:>8s} {rps:>10s} {peak:>9s}  {flag}{r['note']}")
    if s["ratios"]:
        lines += ["", "ratios (time / time):"]
        lines += [f"  {k:36s} {v:>6.2f}x" for k, v in s["ratios"].items()]
    if s["targets"]:
        lines += ["", "targets:"]
        lines += [f"  {'MET    ' if t['met'] else 'NOT MET'} {t['target']:52s} measured {t['measured']}"
                  for t in s["targets"]]
    return "\n".join(lines)
