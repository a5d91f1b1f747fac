"""Write tests/slow_tests.txt: the tests `make check` leaves to `make test`.

Read from a pytest log with per-test durations (`pytest --durations=0`): a test whose setup,
call and teardown together took longer than the bound is slow. A module whose set-up alone
took longer than the bound (a fixture that runs the pipeline, made once for the module and
paid by whichever test comes first) is slow whole, and listed by its file.

    .venv/bin/python -m pytest --durations=0 -p no:cacheprovider > /tmp/durations.log
    .venv/bin/python scripts/slow_tests.py /tmp/durations.log

Tests not in the list (new ones, until the list is written again) run in `make check`.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

BOUND_SECONDS = 0.5
LINE = re.compile(r"^(?P<s>\d+(?:\.\d+)?)s (?P<phase>call|setup|teardown)\s+(?P<node>\S+)")
OUT = Path(__file__).resolve().parents[1] / "tests" / "slow_tests.txt"


def slow_nodes(log: str, bound: float = BOUND_SECONDS) -> list[str]:
    """Files of modules with a slow set-up, then node ids of the other slow tests."""
    spent: dict[str, float] = defaultdict(float)
    modules = set()
    for line in log.splitlines():
        m = LINE.match(line.strip())
        if m:
            spent[m["node"]] += float(m["s"])
            if m["phase"] == "setup" and float(m["s"]) > bound:
                modules.add(m["node"].split("::")[0])
    nodes = {node for node, s in spent.items() if s > bound and node.split("::")[0] not in modules}
    return sorted(modules) + sorted(nodes)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    nodes = slow_nodes(Path(argv[0]).read_text(encoding="utf-8", errors="replace"))
    OUT.write_text("# Written by scripts/slow_tests.py from a `pytest --durations=0` log: tests over "
                   f"{BOUND_SECONDS:g} s,\n# left out of `make check` (marked slow). One node id a line.\n"
                   + "".join(f"{n}\n" for n in nodes), encoding="utf-8")
    print(f"{len(nodes)} slow modules and tests written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
