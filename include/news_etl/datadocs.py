"""Data Docs without the network: point GX's pages at local copies of the CSS, scripts and images they link.

Great Expectations builds Data Docs whose pages load Bootstrap, jQuery, bootstrap-table, Vega and Font
Awesome from public CDNs and the logo from GX's S3 bucket. Offline (or behind a firewall, or under the
plugin's Content-Security-Policy, which allows scripts from this server only) they render unstyled with
empty tables. After each build, :func:`make_offline` copies
the vendored assets (``static/datadocs/``, see its README) into the site and rewrites every page's links to
them, relative to the page. Idempotent: a page already rewritten is left as it is.
"""

from __future__ import annotations

import filecmp
import logging
import os
import re
import shutil
from pathlib import Path

from news_etl.settings import PACKAGE_DIR

log = logging.getLogger(__name__)

VENDOR_DIR = PACKAGE_DIR / "static" / "datadocs"
#: Where the assets go inside a Data Docs site.
SITE_VENDOR = "static/vendor"

#: CDN URL (as GX's templates write it) -> the vendored file, relative to ``VENDOR_DIR``.
# The CDN URLs GX writes are too long for a line: a long one's file is on the line below it.
# fmt: off
ASSETS: dict[str, str] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap/bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper/popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table/bootstrap-table-filter-control.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker/bootstrap-datepicker.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "bootstrap-dark/bootstrap-prefers-dark.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega/vega-embed.min.js",
}
# fmt: on
#: GX's images bucket; its files are also in every site's ``static/images`` (the dark logo is not: the light
#: one stands in for it).
_IMAGES = re.compile(r"https://great-expectations-web-assets\.s3\.us-east-2\.amazonaws\.com/([\w.-]+)(?:\?[^\"')\s]*)?")
_CDN = re.compile("|".join(re.escape(url) for url in sorted(ASSETS, key=len, reverse=True)))
#: Any http(s) URL in a src= or href= of a link/script/img, or in a CSS url(): what a page would still fetch.
REMOTE_LOAD = re.compile(
    r"""(?:<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*["']?|url\(\s*["']?)https?://""", re.IGNORECASE
)


def make_offline(site: Path) -> int:
    """Copy the assets into ``site`` and rewrite its pages to use them; returns the pages changed."""
    site = Path(site)
    if not site.is_dir():
        return 0
    _copy_assets(site / SITE_VENDOR)
    changed = 0
    for page in site.rglob("*.html"):
        if (site / SITE_VENDOR) in page.parents:
            continue
        text = page.read_text(encoding="utf-8")
        up = os.path.relpath(site, page.parent).replace(os.sep, "/")
        prefix = "" if up == "." else up + "/"

        def vendored(m: re.Match[str], p: str = prefix) -> str:
            return f"{p}{SITE_VENDOR}/{ASSETS[m.group(0)]}"

        def image(m: re.Match[str], p: str = prefix) -> str:
            return f"{p}static/images/{_local_image(site, m.group(1))}"

        new = _IMAGES.sub(image, _CDN.sub(vendored, text))
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed += 1
    log.info("Data Docs made self-contained: %d page(s) rewritten in %s", changed, site)
    return changed


def _local_image(site: Path, name: str) -> str:
    return name if (site / "static" / "images" / name).is_file() else "logo-long.png"


def _copy_assets(target: Path) -> None:
    """Copy what is missing or different (a site is rebuilt after every check; most of it is unchanged)."""
    for source in VENDOR_DIR.rglob("*"):
        if not source.is_file() or source.name == "README.md":
            continue
        dest = target / source.relative_to(VENDOR_DIR)
        if dest.is_file() and filecmp.cmp(source, dest, shallow=False):
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)


def remote_loads(page_text: str) -> list[str]:
    """The remote resources a page would still load (a test holds this empty for every built page)."""
    return [page_text[m.start() : m.end() + 60] for m in REMOTE_LOAD.finditer(page_text)]
