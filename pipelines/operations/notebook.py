"""What the officers' notebooks share: where the warehouse is, and charts that work offline.

A notebook's working directory is the folder it was opened from (``notebooks/`` in
Jupyter), so ``./data`` would point at ``notebooks/data``; ``warehouse_path`` finds the
published warehouse from anywhere (``settings.project_paths``).

Charts: plotly's own notebook renderer embeds plotly.js once, but every figure still
asks a CDN for MathJax; offline that request hangs or fails. The ``oba_offline``
renderer embeds plotly.js in the notebook (classic Notebook, nbconvert HTML) with no
request to the internet, and also gives JupyterLab plotly's own MIME bundle, which the
JupyterLab extension shipped inside the plotly package draws without a network either.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipelines.settings import project_paths

RENDERER = "oba_offline"
_EXTERNAL_SCRIPT = re.compile(r"<script[^>]*\bsrc=[\"']https?://[^\"']*[\"'][^>]*>\s*</script>", re.I)


def warehouse_path() -> Path:
    """The published warehouse: ``$OBA_DATA_DIR/warehouse/oba.duckdb``, else the project's
    ``data/warehouse/oba.duckdb``, whatever the working directory. Says so if it is missing."""
    path = project_paths().warehouse
    if not path.is_file():
        raise FileNotFoundError(f"No published warehouse at {path}: run `oba demo` (or `oba run`) first, "
                                f"or set OBA_DATA_DIR to the data directory that holds one.")
    return path


def offline_charts() -> str:
    """Make plotly figures in this kernel render with no internet access; returns the renderer name."""
    import plotly.io as pio
    from plotly.io._base_renderers import NotebookRenderer, PlotlyRenderer

    class OfflineRenderer(NotebookRenderer):
        def to_mimebundle(self, fig_dict):
            bundle = super().to_mimebundle(fig_dict)
            bundle["text/html"] = _EXTERNAL_SCRIPT.sub("", bundle["text/html"])
            return {**PlotlyRenderer().to_mimebundle(fig_dict), **bundle}

    if RENDERER not in pio.renderers:
        pio.renderers[RENDERER] = OfflineRenderer(connected=False)
    pio.renderers.default = RENDERER
    return RENDERER
