"""The project's shape: layers import downwards only, so no module imports itself back.

Imports are read from the source (every ``import``, including those inside functions), so a
cycle hidden in a function body counts as much as one at the top of a file.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("pipelines", "sources", "schemas", "indicators", "bench")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for f in (ROOT / package).rglob("*.py"):
            parts = list(f.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = f
    return found


def import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports (``from a import b`` is ``a.b`` when b is a module)."""
    mods = modules()
    edges = {m: set() for m in mods}
    for name, f in mods.items():
        here = name.split(".") if f.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"), str(f))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(here[: len(here) - node.level + 1] + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            for target in targets:
                while target and target not in mods:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    found = cycles(import_graph())
    assert not found, "modules that import each other (directly or round a loop): " + "; ".join(
        " <-> ".join(c) for c in found)


def test_pipelines_top_level_is_a_table_of_contents():
    top = sorted(p.name for p in (ROOT / "pipelines").glob("*.py"))
    assert len(top) <= 8, f"{len(top)} modules at the top of pipelines/ (layers belong in packages): {top}"


def test_tests_mirror_the_packages():
    """Every test file sits in the folder of the layer or package it tests."""
    layers = {p.name for p in (ROOT / "pipelines").iterdir() if (p / "__init__.py").exists()}
    allowed = layers | {"indicators", "schemas", "sources", "bench"}
    folders = {p.parent.name for p in (ROOT / "tests").rglob("test_*.py") if p.parent != ROOT / "tests"}
    assert folders <= allowed, f"test folders with no package of that name: {sorted(folders - allowed)}"
    loose = sorted(p.name for p in (ROOT / "tests").glob("test_*.py") if p.name != Path(__file__).name)
    assert not loose, f"test files outside a package folder: {loose}"


def test_domain_packages_do_not_reach_into_the_pipeline():
    """The domain packages are the contract the pipeline reads, so the arrows point one way:
    ``schemas`` may import ``sources`` but ``sources`` imports nothing from ``schemas``; and
    ``sources``, ``schemas`` and ``indicators`` import nothing from ``pipelines`` except
    ``pipelines.settings`` (where the data directory is)."""
    edges = import_graph()
    wrong = sorted(
        f"{module} -> {target}" for module, targets in edges.items() for target in targets
        if (module.split(".")[0] == "sources" and target.split(".")[0] == "schemas")
        or (module.split(".")[0] in ("sources", "schemas", "indicators")
            and target.split(".")[0] == "pipelines" and target != "pipelines.settings"))
    assert not wrong, "domain packages importing the wrong way: " + "; ".join(wrong)


def constants_used_before_defined(module: str) -> list[str]:
    """Module constants (UPPER_CASE names assigned at the top of ``module``) read on an earlier
    line than their definition: legal in a function body, but the reader meets the name first."""
    tree = ast.parse(modules()[module].read_text(encoding="utf-8"))
    defined = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for t in targets:
            if isinstance(t, ast.Name) and t.id.isupper():
                defined.setdefault(t.id, node.lineno)
    return sorted({f"{module}: {n.id} used on line {n.lineno}, defined on line {defined[n.id]}"
                   for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                   and n.id in defined and n.lineno < defined[n.id]})


# Modules that read a constant above its definition, and why that stays for now.
LATE_CONSTANTS = {
    "pipelines.compute.scorecard": "its column lists are being moved to one column list per table (issue 11)",
    "pipelines.prepare.school_census": "LOADERS is a registry of the functions defined above it",
}


def test_constants_are_defined_before_they_are_used():
    found = [line for m in sorted(modules()) if m not in LATE_CONSTANTS for line in constants_used_before_defined(m)]
    assert not found, "constants read above their definition: " + "; ".join(found)


def unused_functions(package: str) -> list[str]:
    """Functions defined at the top of a module of ``package`` that nothing in the project
    (packages, tests, scripts) refers to: by bare name in their module, ``from m import f``,
    or ``m.f`` through an imported module. Decorated functions (assets, CLI commands) are
    registered by their decorator and not counted."""
    mods = modules()
    files = dict(mods)
    for f in [*ROOT.glob("tests/**/*.py"), *ROOT.glob("scripts/**/*.py")]:
        files[".".join(f.relative_to(ROOT).with_suffix("").parts)] = f
    refs = set()
    for name, f in files.items():
        tree = ast.parse(f.read_text(encoding="utf-8"), str(f))
        here = name.split(".") if f.name == "__init__.py" else name.split(".")[:-1]
        alias = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                alias.update({a.asname or a.name.split(".")[0]: a.name if a.asname else a.name.split(".")[0]
                              for a in node.names})
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(here[: len(here) - node.level + 1] + ([base] if base else []))
                for a in node.names:
                    if f"{base}.{a.name}" in mods:
                        alias[a.asname or a.name] = f"{base}.{a.name}"
                    refs.add((base, a.name))
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                refs.add((name, node.id))
        for node in ast.walk(tree):
            chain, value = [], node
            while isinstance(value, ast.Attribute):
                chain.insert(0, value.attr)
                value = value.value
            if chain and isinstance(value, ast.Name) and value.id in alias:
                dotted = alias[value.id].split(".") + chain
                for i in range(len(dotted) - 1, 0, -1):
                    if ".".join(dotted[:i]) in mods:
                        refs.add((".".join(dotted[:i]), dotted[i]))
                        break
    entry_points = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return sorted(f"{name}.{node.name}" for name, f in mods.items() if name.startswith(package + ".")
                  for node in ast.parse(f.read_text(encoding="utf-8")).body
                  if isinstance(node, ast.FunctionDef) and not node.decorator_list
                  and (name, node.name) not in refs and f"{name}:{node.name}" not in entry_points)


def test_outputs_define_no_function_nothing_calls():
    """The paper and workbook code keeps one way to do each thing (a PDF is printed by
    ``render.write``; there is no second, uncalled printer)."""
    assert unused_functions("pipelines.outputs") == []


def layer_ranks() -> dict[str, int]:
    """package -> rank, from the table in docs/architecture.md (the one place the layering is written)."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text.split("<!-- layers:", 1)[1].split("\n\n", 1)[0]
    ranks = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].isdigit():
            ranks[cells[1].strip("`")] = int(cells[0])
    return ranks


def package_of(module: str, ranks: dict[str, int]) -> str | None:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in ranks:
            return ".".join(parts[:n])
    return None


def test_every_import_goes_down_the_layers():
    ranks = layer_ranks()
    assert len(ranks) >= 10, ranks
    edges = import_graph()
    unplaced = sorted(m for m in edges if m != "pipelines" and package_of(m, ranks) is None)
    assert not unplaced, f"modules in no package of docs/architecture.md's table: {unplaced}"
    upward = []
    for module, targets in sorted(edges.items()):
        here = package_of(module, ranks)
        for target in sorted(targets):
            there = package_of(target, ranks)
            if here and there and here != there and ranks[there] >= ranks[here]:
                upward.append(f"{module} ({here}, rank {ranks[here]}) imports {target} ({there}, rank {ranks[there]})")
    assert not upward, "imports that do not go down the layers:\n" + "\n".join(upward)


# Where code, SQL, templates and settings live (docs describe the tables as ind_ehNN instead).
CODE_FOLDERS = ("pipelines", "indicators", "sources", "schemas", "bench", "tests", "scripts", "notebooks")
CODE_SUFFIXES = {".py", ".sql", ".j2", ".yaml", ".yml", ".toml", ".ipynb", ".csv", ".html", ".md"}


def test_only_an_indicators_own_sql_names_its_table():
    """An indicator is a catalogue entry plus one SQL file: every other file takes the table's
    name from the catalogue (``Indicator.table``), so adding or renaming one edits nothing else."""
    from indicators import catalogue as cat

    tables = {ind.table: ind.sql_file.resolve() for ind in cat.indicators()}
    pattern = re.compile("|".join(sorted(tables)))
    found = []
    for folder in CODE_FOLDERS:
        for f in sorted((ROOT / folder).rglob("*")):
            if f.suffix not in CODE_SUFFIXES or not f.is_file() or "__pycache__" in f.parts:
                continue
            for table in set(pattern.findall(f.read_text(encoding="utf-8", errors="replace"))):
                if f.resolve() != tables[table]:
                    found.append(f"{f.relative_to(ROOT)}: {table}")
    assert not found, "table names of indicators written outside their own SQL file: " + "; ".join(found)


def test_test_modules_import_helpers_not_other_folders_tests():
    """A test module may import a helper at tests/ or a test module of its own folder, never a test
    module of another folder (which is only importable when that folder happened to be collected)."""
    import re

    tests = ROOT / "tests"
    found = []
    for f in sorted(tests.rglob("test_*.py")):
        for name in re.findall(r"^\s*(?:from|import) (test_\w+)", f.read_text(encoding="utf-8"), flags=re.M):
            if not (f.parent / f"{name}.py").exists():
                found.append(f"{f.relative_to(ROOT)} imports {name}")
    assert not found, found
