"""``oba sql``: a read-only SQL shell on the published warehouse, installed with the project.

The set-up installs the ``duckdb`` Python package, not DuckDB's command line, and a
command line of another DuckDB release may not read the file's storage version; this
shell uses the very library that wrote the warehouse. It opens the file read-only
(any number of officers can share it and the nightly run is never blocked), keeps a
history, lists tables with their comments, describes a table's columns and writes any
result to CSV. A query can be given with ``-c``, piped on standard input, or typed at the
``D`` prompt, statements ending with ``;`` as in DuckDB's own shell.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import duckdb

PROMPT, MORE = "D ", "· "
HELP = """Type SQL ending with ';' (several lines are fine). Commands:
  .tables [TEXT]     tables and views (with rows and what each holds); TEXT filters by name
  .describe TABLE    the table's columns, types and what each holds
  .csv FILE          write the result of the next query to FILE as CSV (also: --csv FILE)
  .read FILE         run the SQL in FILE
  .explain EH01      how the indicator is made: its SQL, parameters filled in, ready to run
  .maxrows N         rows shown on screen (default 40; CSV export is never cut)
  .help              this text
  .quit              leave (or Ctrl-D)
The warehouse is open read-only: select, describe, summarize, copy (...) to 'file.csv' work;
nothing in the warehouse can be changed from here."""


class ShellError(Exception):
    """A command or statement failed; the message says which and why."""


def history_file() -> Path:
    """``$OBA_SQL_HISTORY``, else ``~/.oba_sql_history``."""
    return Path(os.environ.get("OBA_SQL_HISTORY") or Path.home() / ".oba_sql_history").expanduser()


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only; a clear error when there is none yet."""
    if not path.is_file():
        raise ShellError(f"No warehouse at {path}: run `oba demo` (or `oba run`) first, "
                         f"or give the path of one (oba sql PATH).")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise ShellError(f"{path} cannot be opened read-only: {exc}") from exc


def table_listing(con: duckdb.DuckDBPyConnection, like: str = "") -> duckdb.DuckDBPyRelation:
    """Every table and view of the warehouse: name, kind, rows (tables), columns and comment."""
    return con.sql(
        """select name, kind, rows, columns, comment from (
               select table_name as name, 'table' as kind, estimated_size as rows, column_count as columns, comment
               from duckdb_tables() where not internal and schema_name = 'main'
               union all
               select view_name, 'view', null, column_count, comment
               from duckdb_views() where not internal and schema_name = 'main')
           where name ilike '%' || $like || '%'
           order by name""", params={"like": like})


def describe(con: duckdb.DuckDBPyConnection, table: str) -> duckdb.DuckDBPyRelation:
    rel = con.sql("select column_name as column, data_type as type, comment from duckdb_columns() "
                  "where schema_name = 'main' and table_name = $t order by column_index", params={"t": table})
    if not rel.fetchall():
        raise ShellError(f"no table or view called {table!r} (.tables lists them)")
    return rel


class Shell:
    """One read-only connection and what the officer asked for: rows on screen, a CSV file."""

    def __init__(self, con: duckdb.DuckDBPyConnection, out=None, max_rows: int = 40):
        self.con = con
        self.out = out or sys.stdout
        self.max_rows = max_rows
        self.csv_next: Path | None = None
        self.pending: list[str] = []          # lines of a statement not yet ended with ';'

    def show(self, rel: duckdb.DuckDBPyRelation) -> None:
        if self.csv_next is not None:
            target, self.csv_next = self.csv_next, None
            target.parent.mkdir(parents=True, exist_ok=True)
            rel.to_csv(str(target), header=True)
            print(f"wrote {rel.shape[0]} rows to {target}", file=self.out)
            return
        print(_render(rel, self.max_rows, self.out), file=self.out)

    def command(self, line: str) -> bool:
        """Run a dot-command; False means quit."""
        name, _, arg = line.strip().partition(" ")
        arg = arg.strip().rstrip(";").strip()
        if name in (".quit", ".exit", ".q"):
            return False
        if name == ".help":
            print(HELP, file=self.out)
        elif name == ".tables":
            self.show(table_listing(self.con, arg))
        elif name in (".describe", ".schema", ".columns"):
            if not arg:
                raise ShellError(f"{name} needs a table name, e.g. {name} scorecard")
            self.show(describe(self.con, arg))
        elif name in (".csv", ".once"):
            if not arg:
                raise ShellError(f"{name} needs a file name, e.g. {name} scorecard.csv")
            self.csv_next = Path(arg).expanduser()
            print(f"the next query's result goes to {self.csv_next}", file=self.out)
        elif name == ".read":
            path = Path(arg).expanduser()
            if not path.is_file():
                raise ShellError(f".read: no file {path}")
            self.run_sql(path.read_text(encoding="utf-8"))
        elif name == ".explain":
            print(explain_text(arg), file=self.out)
        elif name == ".maxrows":
            if not arg.isdigit() or int(arg) < 1:
                raise ShellError(".maxrows needs a whole number of rows, e.g. .maxrows 100")
            self.max_rows = int(arg)
        else:
            raise ShellError(f"unknown command {name} (.help lists them)")
        return True

    def run_sql(self, text: str) -> None:
        """Run every statement in ``text``, showing each result; stop at the first failure."""
        try:
            statements = self.con.extract_statements(text)
        except duckdb.Error as exc:
            raise ShellError(str(exc)) from exc
        for statement in statements:
            try:
                rel = self.con.sql(_bare(statement.query))
            except duckdb.Error as exc:
                raise ShellError(str(exc)) from exc
            if rel is not None:
                self.show(rel)

    def feed(self, line: str) -> bool:
        """One line typed or read: a dot-command, or SQL run once its statement ends with ``;``.
        False means quit."""
        if not self.pending and line.lstrip().startswith("."):
            return self.command(line)
        self.pending.append(line)
        if ends_statement(line):
            text, self.pending = "\n".join(self.pending), []
            self.run_sql(text)
        return True

    def run_script(self, text: str) -> None:
        """Dot-command lines and SQL, as piped on standard input or read from a file."""
        for line in text.splitlines():
            if not self.feed(line):
                return
        if "\n".join(self.pending).strip():
            text, self.pending = "\n".join(self.pending), []
            self.run_sql(text)


def explain_text(indicator_id: str) -> str:
    """The indicator's SQL as officers read it (``pipelines.outputs.explain``), or why there is none."""
    from indicators import catalogue as cat
    from pipelines.outputs import explain

    known = [i.id for i in cat.indicators()]
    if indicator_id.upper() not in known:
        raise ShellError(f".explain needs an indicator id: {', '.join(known)}")
    return explain.explained(cat.indicator(indicator_id.upper()))


def ends_statement(line: str) -> bool:
    """True when ``line`` ends with ``;``, a trailing ``-- comment`` aside."""
    text = line.rstrip()
    if not text.endswith(";") and "--" in text:
        text = text[:text.rfind("--")].rstrip()
    return text.endswith(";")


def _bare(query: str) -> str:
    """One statement without its closing ``;`` and the comments after it, as ``con.sql`` wants."""
    return re.sub(r";(\s*--[^\n]*)*\s*$", "", query.strip())


def _render(rel: duckdb.DuckDBPyRelation, max_rows: int, out) -> str:
    """DuckDB's own box rendering, at most ``max_rows`` rows (it says how many there were)."""
    import io
    import shutil
    from contextlib import redirect_stdout

    # On a terminal, fit its width; into a pipe or file, every column in full.
    width = shutil.get_terminal_size().columns if getattr(out, "isatty", lambda: False)() else 100_000
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        rel.show(max_rows=max_rows, max_width=width)
    return buffer.getvalue().rstrip("\n")


def interactive(shell: Shell, path: Path) -> None:
    """The ``D`` prompt with line editing and a history kept between sessions."""
    try:
        import readline
    except ImportError:          # not on every platform; the shell works without it
        readline = None
    hist = history_file()
    if readline is not None:
        try:
            readline.read_history_file(hist)
        except OSError:
            pass
        readline.set_history_length(5000)
    print(f"{path} (read-only). .tables lists the tables, .help the commands, .quit leaves.", file=shell.out)
    try:
        while True:
            try:
                line = input(MORE if shell.pending else PROMPT)
            except EOFError:
                print(file=shell.out)
                break
            except KeyboardInterrupt:
                print(file=shell.out)
                shell.pending = []
                continue
            try:
                if not shell.feed(line):
                    break
            except ShellError as exc:
                print(f"Error: {exc}", file=sys.stderr)
    finally:
        if readline is not None:
            try:
                hist.parent.mkdir(parents=True, exist_ok=True)
                readline.write_history_file(hist)
            except OSError as exc:
                print(f"(history not saved: {exc})", file=sys.stderr)


def main(path: Path, command: str | None = None, csv: str | None = None, max_rows: int = 40,
         stdin=None) -> int:
    """``oba sql``: run ``command``, else what is piped on stdin, else the interactive prompt."""
    stdin = stdin or sys.stdin
    try:
        con = connect(path)
    except ShellError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    shell = Shell(con, max_rows=max_rows)
    try:
        if csv:
            shell.csv_next = Path(csv).expanduser()
        if command is not None:
            shell.run_script(command)
        elif not stdin.isatty():
            shell.run_script(stdin.read())
        else:
            interactive(shell, path)
            return 0
        if shell.csv_next is not None:
            raise ShellError(f"--csv {shell.csv_next}: no query produced a result to write")
    except ShellError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:          # e.g. `oba sql -c ... | head`: the reader has all it wants
        sys.stdout = None
        return 0
    finally:
        con.close()
    return 0
