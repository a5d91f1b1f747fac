"""Running the officers' notebooks in tests: a copy executed against a given warehouse."""

"""The performance officers' notebooks execute headlessly against a published warehouse."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient


NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def run_notebook(path: Path, cwd: Path, parameters: str | None = None) -> nbformat.NotebookNode:
    """Execute a copy of the notebook (the original is never written) and return it."""
    nb = nbformat.read(path, as_version=4)
    if parameters:
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        cell.source = parameters
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def outputs_text(nb) -> str:
    return "\n".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                     for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
