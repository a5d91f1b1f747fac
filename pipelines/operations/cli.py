"""``oba``: the analyst's command line."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipelines.settings import paths as resolve_paths


def cmd_generate(args) -> int:
    from sources.generate import generate

    p = resolve_paths(args.data_dir).ensure()
    out = Path(args.out).resolve() if args.out else p.landing
    statutory = Path(args.statutory).resolve() if args.statutory else None
    manifest = generate(out, scale=args.scale, seed=args.seed, statutory_dir=statutory)
    files = manifest.get("files", manifest)
    print(f"Wrote {len(files)} demo extracts to {out} (scale {args.scale}, seed {args.seed}).")
    if statutory:
        print(f"Wrote the statutory returns to {statutory} (for oba prepare; they identify children, "
              f"keep them out of the landing folder).")
    return 0


def cmd_validate(args) -> int:
    from pipelines.ingest import sql_validation
    from pipelines.ingest.validate_file import report

    try:
        sql_validation.engine()
    except ValueError as exc:      # a mistyped OBA_VALIDATE_IN: said plainly, nothing judged
        print(f"oba validate: {exc}", file=sys.stderr)
        return 2
    text, ok = report(Path(args.file), args.source, limit=args.limit)
    print(text)
    return 0 if ok else 1


def cmd_prepare(args) -> int:
    from pipelines.prepare import EXIT_CODES, PrepareError, prepare
    from pipelines.prepare.keys import KeyError_

    p = resolve_paths(args.data_dir).ensure()
    options = {"postcode_lookup": Path(args.postcode_lookup) if args.postcode_lookup else None,
               "school_phases": Path(args.school_phases) if args.school_phases else None,
               "without_sen_needs": args.without_sen_needs}
    try:
        result = prepare(args.format, [Path(f) for f in args.files], p, key_path=args.key_file,
                         partial_years=args.partial_years, new_key=args.new_key, **options)
    except (PrepareError, KeyError_) as exc:
        print(f"Refused: {exc}", file=sys.stderr)
        return EXIT_CODES["refused"]
    print(result.report())
    print(f"Landing folder: {p.landing}; manifest: {p.data_dir / 'prepare_manifest.json'}")
    return EXIT_CODES[result.status]


def cmd_run(args) -> int:
    from pipelines.operations.runner import run

    p = resolve_paths(args.data_dir)
    summary = run(p, args.select or None, force=args.force)
    print(summary.report())
    _print_awaited(p)
    # 0 published, nothing held; 3 published with held deliveries; 1 a failed step or blocking check.
    return summary.exit_code


def _print_awaited(p) -> None:
    """The turn-the-curve parts the board paper prints as "awaited" (end of a run)."""
    from pipelines.operations.status import awaited_report, not_computed_report

    for text in (not_computed_report(p), awaited_report(p)):
        if text:
            print(text)


def cmd_status(args) -> int:
    from pipelines.operations.status import report

    text, ok = report(resolve_paths(args.data_dir), runs=args.runs)
    print(text)
    return 0 if ok else 1


def cmd_demo(args) -> int:
    from pipelines.operations.runner import run
    from sources.generate import generate

    if args.region:
        return demo_region(args)
    p = resolve_paths(args.data_dir).ensure()
    if args.fresh or not any(p.landing.iterdir()):
        generate(p.landing, scale=args.scale, seed=args.seed)
        print(f"Generated demo extracts in {p.landing}")
    else:
        print(f"Using the extracts already in {p.landing} (--fresh to regenerate)")
    manifest = p.landing.parent / "demo_manifest.json"
    if manifest.exists() and not os.environ.get("OBA_AS_AT"):
        # The demo data are a snapshot; judge freshness on its date, not today's.
        import json
        os.environ["OBA_AS_AT"] = json.loads(manifest.read_text()).get("as_at", "")
    summary = run(p)
    print(summary.report())
    _print_awaited(p)
    oba = oba_command()
    print(f"""
Where things are (data directory {p.data_dir}):
  landing folder   {p.landing}
  warehouse        {p.warehouse}   (open read-only: {shell_command(p)})
  board papers     {p.papers}
{explorer_lines(p)}  data quality     {p.quality / "data_docs" / "index.html"}   (Great Expectations Data Docs, offline)
Next:
  {shell_command(p):<27}the warehouse in a read-only SQL shell (.tables, .help)
  {oba + " status":<27}load log and freshness per source
  make ui                    the Dagster UI (http://127.0.0.1:3000)
  {oba} validate FILE --source NAME   check an extract before dropping it in the landing folder""")
    return summary.exit_code


def demo_region(args) -> int:
    """``oba demo --region N``: N synthetic authorities of one region, each run as a partition, then the pool."""
    from pipelines.region import demo
    from pipelines.region.authorities import region_dir

    region = region_dir(args.region_dir)
    made = demo.make(region, args.region, scale=args.scale, fresh=args.fresh)
    print(f"Demo region in {region}: " + ", ".join(f"{a.la_name} ({a.la_code})" for a in made))
    return cmd_region(args)


def cmd_region(args) -> int:
    from pipelines.operations.region import run
    from pipelines.region.authorities import region_dir

    try:
        summary = run(region_dir(args.region_dir), only=getattr(args, "only", None) or None)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(summary.report())
    # 0 every authority published; 3 published with deliveries held; 1 an authority or the pool failed.
    return summary.exit_code


def explorer_lines(p) -> str:
    """Where the newest explorer and Power BI pack are (``make demo`` prints it), or nothing."""
    made = sorted(p.papers.glob("*/explorer_*.html"), key=lambda f: f.stat().st_mtime)
    packs = sorted(p.exports.glob("powerbi_*"), key=lambda f: f.stat().st_mtime)
    lines = [f"  explorer         {made[-1]}   (open it in a browser; works offline)"] if made else []
    lines += [f"  Power BI pack    {packs[-1]}   (Parquet + CSV, README.md)"] if packs else []
    return "".join(line + "\n" for line in lines)


def cmd_explorer(args) -> int:
    from pipelines.outputs.explorer import page
    from pipelines.release import shareable

    p = resolve_paths(args.data_dir).ensure()
    if not shareable.shareable_path(p).exists():
        print(f"No shareable file at {shareable.shareable_path(p)}: run `oba run` first.", file=sys.stderr)
        return 1
    with shareable.connect(p) as con:    # everything sent out is read from the shareable file
        try:
            made, folder = page.write(con, p.papers, p.exports, args.period, p.data_dir)
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 1
    print(f"Explorer {made.period}: {made.measures} measures, {made.html.stat().st_size / 1e6:.1f} MB")
    print(f"  {made.html}")
    print(f"  {folder}   (Power BI / Excel pack)")
    return 0


def oba_command() -> str:
    """``oba`` as this process was started (``.venv/bin/oba`` from ``make demo``), so the
    commands printed can be pasted as they are, whether or not the virtualenv is on PATH."""
    oba = Path(sys.argv[0])
    return str(oba) if oba.name == "oba" and str(oba.parent) not in ("", ".") else "oba"


def shell_command(p) -> str:
    """The command that opens ``p.warehouse`` read-only in the SQL shell (``oba sql``)."""
    exe = oba_command()
    return f"{exe} sql" if resolve_paths().warehouse == p.warehouse else f"{exe} sql {p.warehouse}"


def cmd_paper(args) -> int:
    from pipelines.outputs import gather
    from pipelines.outputs import render
    from pipelines.outputs import workbook
    from pipelines.outputs.explorer import page

    from pipelines.outputs.atomic import OutputNotWritten
    from pipelines.operations.runner import published_state
    from pipelines.release import shareable

    p = resolve_paths(args.data_dir).ensure()
    if not p.warehouse.exists() or not shareable.shareable_path(p).exists():
        print(f"No published warehouse at {p.warehouse}: run `oba run` first.", file=sys.stderr)
        return 1
    # The shareable file, read-only: never blocks (or waits for) a pipeline run. Opened once, it
    # stays the state it was when opened even if a run publishes meanwhile (an atomic rename).
    print(published_state(p))
    with shareable.connect(p) as con:
        try:
            paper = render.write(con, p.papers, args.period, with_pdf=not args.no_pdf, data_dir=p.data_dir)
            book = p.exports / f"oba_scorecard_{paper.period}.xlsx"
            workbook.write(con, book, data=gather.gather(con, paper.period, data_dir=p.data_dir))
            made, folder = page.write(con, p.papers, p.exports, paper.period, p.data_dir)
        except (ValueError, OutputNotWritten) as exc:
            print(str(exc), file=sys.stderr)
            return 1
    print(f"Board paper {paper.period}: {paper.measures} measures, {paper.charts} charts")
    for f in (paper.html, paper.pdf, book, made.html, folder):
        if f:
            print(f"  {f}")
    if paper.date_note:
        print(f"Date of paper: {paper.date_note} (meeting dates: paper.yaml, `meetings`)")
    if paper.awaited:
        print(f"Turn the curve awaited ({len(paper.awaited)} indicator(s)):")
        print("\n".join(f"  {ln}" for ln in paper.awaited))
    return 0


def cmd_release(args) -> int:
    from pipelines.operations.release_held import release

    text, code = release(resolve_paths(args.data_dir), args.file)
    print(text, file=sys.stderr if code else sys.stdout)
    return code


def cmd_explain(args) -> int:
    from pipelines.outputs import figure_report, trace

    p = resolve_paths(args.data_dir)
    if not p.warehouse.exists():
        print(f"No published warehouse at {p.warehouse}: run `oba run` first.", file=sys.stderr)
        return 1
    con = trace.connect(p.warehouse)
    try:
        print(figure_report.report(con, args.figure_id, p.data_dir, with_sql=not args.no_sql))
        if args.rows:
            print(figure_report.rows_text(con, args.figure_id, Path(args.rows)))
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        con.close()
    return 0


def cmd_sql(args) -> int:
    from pipelines.operations.sqlshell import main as shell

    path = Path(args.warehouse).expanduser() if args.warehouse else resolve_paths(args.data_dir).warehouse
    return shell(path, command=args.command_text, csv=args.csv, max_rows=args.max_rows, out_dir=args.out,
                 readable=args.read or (), data_dir=resolve_paths(args.data_dir).data_dir)


def cmd_ui(args) -> int:
    from pipelines.operations.runner import dagster_home

    p = resolve_paths(args.data_dir).ensure()
    # The dagster beside this interpreter: the virtualenv need not be on PATH (make ui).
    venv_bin = str(Path(sys.executable).parent)
    env = dict(os.environ, DAGSTER_HOME=str(dagster_home(p)), OBA_DATA_DIR=str(p.data_dir),
               PATH=venv_bin + os.pathsep + os.environ.get("PATH", ""))
    argv = ["dagster", "dev", "-m", "pipelines.definitions", "-h", args.host, "-p", str(args.port)]
    print(f"DAGSTER_HOME={env['DAGSTER_HOME']} {' '.join(argv)}")
    os.execvpe(argv[0], argv, env)


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="oba", description="Early Help OBA indicator pipeline")
    ap.add_argument("--data-dir", help="data directory (default: $OBA_DATA_DIR or ./data)")
    sub = ap.add_subparsers(dest="command", required=True)

    g = sub.add_parser("generate", help="write synthetic demo extracts into the landing folder")
    g.add_argument("--out", help="folder to write to (default: <data dir>/landing)")
    g.add_argument("--scale", type=float, default=1.0, help="1 = B&NES; 10 = a large county")
    g.add_argument("--seed", type=int, default=2026)
    g.add_argument("--statutory", help="also write CIN census, Annex A and school census returns into this folder")
    g.set_defaults(func=cmd_generate)

    v = sub.add_parser("validate", help="check an extract against its schema before dropping it in")
    v.add_argument("file")
    v.add_argument("--source", required=True, help="source name from the catalogue, e.g. neet")
    v.add_argument("--limit", type=int, default=20, help="failures to list")
    v.set_defaults(func=cmd_validate)

    pr = sub.add_parser("prepare", help="turn statutory returns (Annex A, CIN census, school census) into "
                                        "anonymised extracts in the landing folder")
    pr.add_argument("format", choices=["annex-a", "cin-census", "school-census"])
    pr.add_argument("files", nargs="+", help="the return's files or folders (a school census term's whole export "
                                             "folder); give every file of a period together. Exit 0: written; "
                                             "3: written, some rows set aside (see the report); 1: refused")
    pr.add_argument("--key-file", help="pseudonymisation key (default: $OBA_KEY_FILE or ~/.config/oba/pseudonym.key; "
                                       "created 0600 on first use)")
    pr.add_argument("--postcode-lookup", help="CSV postcode,ward_code: ward of a child's postcode where a list has one")
    pr.add_argument("--school-phases", help="school census: CSV school,phase (the school id as the export writes it); "
                                           "default: phase from the year group")
    pr.add_argument("--without-sen-needs", action="store_true",
                    help="(no longer needed: a pupil with SEN provision and no need recorded is written UNKNOWN)")
    pr.add_argument("--partial-years", action="store_true",
                    help="also write years the files cover only in part (otherwise dropped, with the reason)")
    pr.add_argument("--new-key", action="store_true",
                    help="accept a new pseudonymisation key when the one used before is missing or different "
                         "(breaks every link to the extracts prepared with the old one)")
    pr.set_defaults(func=cmd_prepare)

    r = sub.add_parser("run", help="materialise everything (or --select assets) headlessly")
    r.add_argument("--select", nargs="*", help="asset keys, e.g. raw_neet stg_neet")
    r.add_argument("--force", action="store_true",
                   help="run even when landing files, definitions and code are unchanged since the last publication")
    r.set_defaults(func=cmd_run)

    st = sub.add_parser("status", help="run history and freshness per source, from the published warehouse")
    st.add_argument("--runs", type=int, default=10, help="runs to list")
    st.set_defaults(func=cmd_status)

    d = sub.add_parser("demo", help="generate demo extracts (if none), materialise everything, write a paper")
    d.add_argument("--scale", type=float, default=1.0)
    d.add_argument("--seed", type=int, default=2026)
    d.add_argument("--fresh", action="store_true", help="regenerate the demo extracts")
    d.add_argument("--region", type=int, metavar="N", help="a demo region: N synthetic authorities (real LA codes "
                                                           "of the South West, seeds and sizes of their own), each "
                                                           "run as a partition, then the regional pool")
    d.add_argument("--region-dir", help="region folder (default: $OBA_REGION_DIR or ./region)")
    d.set_defaults(func=cmd_demo)

    pp = sub.add_parser("paper", help="write the board paper (HTML, PDF) and scorecard workbook")
    pp.add_argument("--period", help="calendar quarter (2026-Q1) or month (2026-03); default: latest data")
    pp.add_argument("--no-pdf", action="store_true", help="HTML only (skips Chromium)")
    pp.set_defaults(func=cmd_paper)

    ex = sub.add_parser("explorer", help="write the explorer (one offline HTML file) and the Power BI pack")
    ex.add_argument("--period", help="calendar quarter (2026-Q1) or month (2026-03); default: latest data")
    ex.set_defaults(func=cmd_explorer)

    q = sub.add_parser("sql", help="query the published warehouse read-only (a SQL shell)",
                       description="A read-only SQL shell on the published warehouse: type SQL at the D prompt "
                                   "(.tables, .describe TABLE, .csv FILE, .help), or give a query with -c, "
                                   "or pipe SQL in.")
    q.add_argument("warehouse", nargs="?", help="warehouse file (default: <data dir>/warehouse/oba.duckdb)")
    q.add_argument("-c", "--command", dest="command_text", metavar="SQL", help="run this SQL and exit")
    q.add_argument("--csv", metavar="FILE", help="write the query's result to FILE as CSV")
    q.add_argument("--max-rows", type=int, default=40, help="rows shown on screen (default 40)")
    q.add_argument("--out", metavar="FOLDER", help="where .csv / --csv write (default: the current folder; "
                                                   "never inside the data folder)")
    q.add_argument("--read", metavar="FOLDER", action="append", help="a folder whose files queries may read "
                                                                     "(read_csv); none by default")
    q.set_defaults(func=cmd_sql)

    xp = sub.add_parser("explain", help="where a printed figure comes from: definition, SQL, deliveries, rows, run")
    xp.add_argument("figure_id", help="the id printed beside the figure, e.g. EH01.step_up_pct/2024-25/ward/E05001234")
    xp.add_argument("--no-sql", action="store_true", help="leave out the SQL")
    xp.add_argument("--rows", metavar="FILE", help="also trace the figure to single records and write them to FILE "
                                                   "(CSV: source, file, SHA-256, row); slow on a large figure")
    xp.set_defaults(func=cmd_explain)

    rl = sub.add_parser("release", help="apply a held delivery an officer has checked (takes effect on the next run)")
    rl.add_argument("file", help="the held file's name in the landing folder (oba status lists them)")
    rl.set_defaults(func=cmd_release)

    rg = sub.add_parser("region", help="run every authority of a region (a partition each), then the regional pool")
    rg.add_argument("--region-dir", help="region folder (default: $OBA_REGION_DIR or ./region)")
    rg.add_argument("--only", nargs="*", metavar="LA_CODE", help="only these authorities (the pool is made again)")
    rg.set_defaults(func=cmd_region)

    u = sub.add_parser("ui", help="start the Dagster UI with a persistent DAGSTER_HOME")
    u.add_argument("--host", default="127.0.0.1")
    u.add_argument("--port", type=int, default=3000)
    u.set_defaults(func=cmd_ui)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
