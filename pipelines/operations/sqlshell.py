"""``oba sql``: a read-only SQL shell on the published warehouse, installed with the project.

The set-up installs the ``duckdb`` Python package, not DuckDB's command line, and a
command line of another DuckDB release may not read the file's storage version; this
shell uses the very library that wrote the warehouse. It opens the file read-only
(any number of officers can share it and the nightly run is never blocked), keeps a
history, lists tables with their comments, describes a table's columns and writes any
result to CSV. A query can be given with ``-c``, piped on standard input, or typed at the
``D`` prompt, statements ending with ``;`` as in DuckDB's own shell.

It reaches no further than the warehouse: DuckDB's external access is off
(``enable_external_access = false``, configuration locked), so a query reads no file (not
``/etc/passwd``, not the pseudonym key) unless the officer names a folder with ``--read``
(``allowed_directories``; a folder holding the key or its link register is refused).
``COPY``, ``EXPORT``, ``ATTACH``, ``LOAD`` and ``INSTALL`` are refused; results are written
only by ``.csv``/``--csv``, only inside the output folder the officer names (``--out``,
default the current folder), never inside the data folder or over the warehouse.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import duckdb

from pipelines.settings import inside

PROMPT, MORE = "D ", "· "
HELP = """Type SQL ending with ';' (several lines are fine). Commands:
  .tables [TEXT]     tables and views (with rows and what each holds); TEXT filters by name
  .describe TABLE    the table's columns, types and what each holds
  .csv FILE          write the result of the next query to FILE as CSV (also: --csv FILE)
  .read FILE.sql     run the SQL in FILE.sql (SQL files only)
  .explain EH01      how the indicator is made: its SQL, parameters filled in, ready to run
  .maxrows N         rows shown on screen (default 40; CSV export is never cut)
  .help              this text
  .quit              leave (or Ctrl-D)
The warehouse is open read-only: select, describe and summarize work; nothing in the
warehouse can be changed from here. Results are written with .csv (or --csv) into the
output folder (--out, default the current folder; never inside the data folder). Files
are not read unless a folder is named with --read (read_csv('that folder/file.csv'))."""


class ShellError(Exception):
    """A command or statement failed; the message says which and why."""


def history_file() -> Path:
    """``$OBA_SQL_HISTORY``, else ``~/.oba_sql_history``."""
    return Path(os.environ.get("OBA_SQL_HISTORY") or Path.home() / ".oba_sql_history").expanduser()


# Statements that reach outside the warehouse (files, databases, extensions): refused.
REFUSED_STATEMENTS = {"COPY": "COPY", "COPY_DATABASE": "COPY DATABASE", "EXPORT": "EXPORT DATABASE",
                      "ATTACH": "ATTACH", "DETACH": "DETACH", "LOAD": "LOAD or INSTALL",
                      "EXTENSION": "INSTALL"}


def private_files() -> list[Path]:
    """Files the shell must never read: the pseudonym key and its link register."""
    from pipelines.prepare import keys

    key = keys.key_file()
    return [key, keys.register_file(key)]


def connect(path: Path, readable: list[Path] | tuple = ()) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only, with external access off (``readable``: folders queries may
    read files from); a clear error when there is none yet."""
    if not path.is_file():
        raise ShellError(f"No warehouse at {path}: run `oba demo` (or `oba run`) first, "
                         f"or give the path of one (oba sql PATH).")
    folders = []
    for folder in readable:
        folder = Path(folder).expanduser().resolve()
        if not folder.is_dir():
            raise ShellError(f"--read {folder}: no such folder")
        if any(inside(f, folder) for f in private_files()):
            raise ShellError(f"--read {folder}: the folder holds the pseudonymisation key or its link register; "
                             f"name a folder of its own")
        folders.append(str(folder) + "/")
    try:
        con = duckdb.connect(str(path), read_only=True)
        if folders:
            con.execute("set allowed_directories = $dirs", {"dirs": folders})
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
        return con
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

    def __init__(self, con: duckdb.DuckDBPyConnection, out=None, max_rows: int = 40, out_dir: Path | None = None,
                 protected: list[Path] | tuple = ()):
        self.con = con
        self.out = out or sys.stdout
        self.max_rows = max_rows
        self.csv_next: Path | None = None
        self.pending: list[str] = []          # lines of a statement not yet ended with ';'
        self.out_dir = Path(out_dir or Path.cwd()).expanduser().resolve()
        self.protected = [Path(p).resolve() for p in protected]   # the data folder, the warehouse's folder

    def target(self, name: str) -> Path:
        """Where ``.csv NAME`` writes: inside the output folder, never inside the data folder."""
        path = (self.out_dir / Path(name).expanduser()).resolve()
        if not inside(path, self.out_dir):
            raise ShellError(f"{name}: results are written only inside the output folder {self.out_dir} "
                             f"(oba sql --out FOLDER names another)")
        if any(inside(path, p) for p in self.protected) or any(inside(self.out_dir, p) for p in self.protected):
            raise ShellError(f"{name}: not inside the data folder ({', '.join(map(str, self.protected))}); "
                             f"name an output folder of your own with oba sql --out FOLDER")
        return path

    def show(self, rel: duckdb.DuckDBPyRelation) -> None:
        if self.csv_next is not None:
            target, self.csv_next = self.csv_next, None
            target.parent.mkdir(parents=True, exist_ok=True)
            # Written by a connection of its own that sees only this result (the shell's has no
            # file access), to the path checked by ``target``.
            table = rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.arrow()
            writer = duckdb.connect()
            try:
                writer.from_arrow(table).to_csv(str(target), header=True)
            finally:
                writer.close()
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
            self.csv_next = self.target(arg)
            print(f"the next query's result goes to {self.csv_next}", file=self.out)
        elif name == ".read":
            self.run_sql(_sql_file(arg))
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
            refused = REFUSED_STATEMENTS.get(getattr(statement.type, "name", str(statement.type)).split(".")[-1])
            if refused:
                raise ShellError(f"{refused} is not available in this shell: it reaches outside the warehouse "
                                 f"(write a result with .csv FILE or --csv FILE)")
            try:
                rel = self.con.sql(_bare(statement.query))
                if rel is not None:
                    self.show(rel)       # a relation runs when shown: its errors are the statement's
            except duckdb.Error as exc:
                raise ShellError(str(exc)) from exc

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


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)          # a link, hard or symbolic, to the file is the file
    except OSError:
        return False


def _sql_file(name: str) -> str:
    """The text of ``.read FILE``: a SQL file (``.sql``, links resolved), never the key or
    its link register. Any other file is refused unread: a parser error would print its first
    line, so ``.read /etc/passwd`` or ``.read /proc/self/environ`` would show what external
    access being off keeps from queries."""
    path = Path(name).expanduser()
    if not path.is_file():
        raise ShellError(f".read: no file {path}")
    if any(_same_file(path, f) for f in private_files()):
        raise ShellError(f".read: {path} is the pseudonymisation key or its link register: never read here")
    if path.resolve().suffix.lower() != ".sql":
        raise ShellError(f".read: {path} is not a SQL file (.sql): only SQL files are read here")
    return path.read_text(encoding="utf-8", errors="replace")


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
         stdin=None, out_dir: Path | None = None, readable: list[Path] | tuple = (),
         data_dir: Path | None = None) -> int:
    """``oba sql``: run ``command``, else what is piped on stdin, else the interactive prompt.
    ``out_dir``: where results are written (default the current folder); ``readable``:
    folders queries may read; ``data_dir``: the data folder (never written)."""
    stdin = stdin or sys.stdin
    try:
        con = connect(path, readable)
    except ShellError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    protected = [p for p in (data_dir, Path(path).resolve().parent) if p is not None]
    shell = Shell(con, max_rows=max_rows, out_dir=out_dir, protected=protected)
    try:
        if csv:
            shell.csv_next = shell.target(csv)
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
