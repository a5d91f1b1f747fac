"""Great Expectations' Data Docs made to work offline.

GX's pages load Bootstrap, jQuery, Font Awesome and Vega from CDNs, so every such link is pointed
at copies shipped in ``pipelines/compute/expectations_assets/`` (see its README); a fetched URL
with no local copy is removed rather than left to hang offline.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

ASSETS = Path(__file__).parent / "expectations_assets"
# GX's CDN links -> the copies in expectations_assets (site-relative); the GX logo -> GX's own static copy.
OFFLINE = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap-4.3.1/bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js-1.12.9/popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table-1.19.1/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table-1.19.1/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome-free-6.6.0/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "bootstrap-dark-1.1.0/bootstrap-prefers-dark.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega-5.33.1/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite-5.23.0/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed-6.29.0/vega-embed.min.js",
}
GX_IMAGES = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
VENDOR = "static/vendor"
# A URL the browser would fetch: in src=, a <link href=>, CSS url() / @import. Links people click are left alone.
_FETCHED = re.compile(r"""(?P<pre>\bsrc\s*=\s*["']|<link\b[^>]*?\bhref\s*=\s*["']|url\(\s*["']?|@import\s+["'])"""
                      r"""(?P<url>https?://[^"')\s]+)""", re.I)
# GX's relative links to its static folder, which it gets one level short on validation pages (favicon).
_STATIC = re.compile(r"""(?P<pre>\b(?:src|href)\s*=\s*["'])(?:\./|(?:\.\./)+)static/""", re.I)
# Subresource-integrity and CORS attributes: a browser refuses file:// scripts that carry them.
_CORS = re.compile(r"""\s(?:integrity|crossorigin)\s*=\s*(?:"[^"]*"|'[^']*')""", re.I)
_LINK = re.compile(r"""<a\b[^>]*\bhref\s*=\s*["']https?://[^"']*["'][^>]*>(?P<text>.*?)</a>""", re.I | re.S)


def offline(docs_dir: Path) -> list[str]:
    """Point every URL the Data Docs pages would fetch at a local copy; returns those removed.

    Vendored libraries are copied to ``static/vendor``; GX's own images to its ``static/images``
    copies; GX's relative links to ``static/`` are made right for each page's depth. A fetched URL with no local copy is removed (and returned) rather than left to hang
    offline; links to GX's web site lose their link and keep their text.
    """
    shutil.copytree(ASSETS, docs_dir / VENDOR, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("README.md", "LICENSE*"))
    removed = []
    for page in sorted(docs_dir.rglob("*")):
        if page.suffix not in (".html", ".css") or VENDOR in page.relative_to(docs_dir).as_posix():
            continue
        up = os.path.relpath(docs_dir, page.parent).replace(os.sep, "/")

        def local(m: re.Match) -> str:   # used within this iteration only (B023 below)
            url = m.group("url").split("?")[0]
            if url in OFFLINE:
                return f"{m.group('pre')}{up}/{VENDOR}/{OFFLINE[url]}"  # noqa: B023
            if url.startswith(GX_IMAGES):
                name = url[len(GX_IMAGES):]
                image = "logo-long.png" if not (docs_dir / "static" / "images" / name).exists() else name
                return f"{m.group('pre')}{up}/static/images/{image}"  # noqa: B023
            removed.append(url)
            return f"{m.group('pre')}data:,"
        text = page.read_text(encoding="utf-8")
        new = _STATIC.sub(lambda m: f"{m.group('pre')}{up}/static/", _FETCHED.sub(local, text))  # noqa: B023
        if page.suffix == ".html":
            new = _CORS.sub("", _LINK.sub(lambda m: m.group("text"), new))
        if new != text:
            page.write_text(new, encoding="utf-8")
    return removed
