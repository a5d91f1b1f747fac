"""The SQL examples of docs/querying.md, as the tests read them."""

import re
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "querying.md"


def examples() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)
