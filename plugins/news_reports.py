"""Airflow UI plugin: the data-quality run report and the Great Expectations Data Docs in the UI's nav bar.

A FastAPI app mounted by the Airflow api-server at ``/news`` serves two things from the lake's ``_reports``
folder, read-only: the run report and the Data Docs site (the report links to the Data Docs by a relative
path, so both work from disk too). Nothing else in that folder is served (not the GX configuration, not the
raw validation results with their row values), and no symlink is followed. Every page needs an Airflow
login like the rest of the UI; the Data Docs' static assets (Bootstrap, fonts: library files, no data) do not.
Pages carry a Content-Security-Policy: the report may run no script at all; the Data Docs may run scripts from
this server only and may connect nowhere, so a value that slipped past the escaping could not call the API or
send anything out. Two external views put "News report" and
"Data Docs" at the top level of the UI's navigation bar (``nav_top_level``, Airflow 3.2+).
"""

from __future__ import annotations

import html
from pathlib import Path, PurePosixPath

from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from news_etl.settings import get_settings

URL_PREFIX = "/news"
REPORT = "report.html"
DATA_DOCS_DIR = "gx/gx/uncommitted/data_docs/local_site"
DATA_DOCS = f"{DATA_DOCS_DIR}/index.html"

#: The report is static HTML with inline SVG and CSS: no script of any kind may run in it.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'self'"
)
#: The Data Docs need their own scripts (GX's inline table set-up and the vendored libraries). Values from the
#: data are escaped before GX renders them (news_etl.published.escape_result_values); this policy is the second
#: line: scripts and styles only from this server (no CDN: the pages use local copies), no connections, no
#: plugins, no forms, so a script that slipped through could neither call the API nor send anything out.
#: (A CSP sandbox would isolate them further, but the Airflow UI's iframe for external views cannot show a
#: page whose origin is opaque: it stays blank. Checked in a browser.)
DATA_DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'none'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
#: What the Data Docs site is made of; any other file under it is not served.
DATA_DOCS_TYPES = {
    ".html",
    ".css",
    ".js",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".svg",
    ".ico",
    ".woff",
    ".woff2",
    ".ttf",
    ".eot",
    ".map",
}
_COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def _login_required():
    """Airflow's own check: a valid session (the UI's cookie) or bearer token, else 401."""
    from airflow.api_fastapi.core_api.security import requires_authenticated

    return requires_authenticated()


def _page(title: str, text: str, status: int) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<h1>{html.escape(title)}</h1><p>{text}</p>",
        status_code=status,
        headers={**_COMMON_HEADERS, "Content-Security-Policy": REPORT_CSP},
    )


def _not_found() -> HTMLResponse:
    return _page("Not found", "Only the run report and the Data Docs are served here.", 404)


def _resolve(reports: Path, rel: str) -> Path | None:
    """``reports/rel`` if it is a regular file reached without any symlink and without leaving ``reports``."""
    parts = PurePosixPath(rel).parts
    if not parts or any(p in ("", ".", "..") or "\\" in p or "\x00" in p for p in parts) or rel.startswith("/"):
        return None
    path = reports
    for part in parts:
        path = path / part
        if path.is_symlink():
            return None
    return path if path.is_file() else None


def create_app(reports: Path | None = None, *, require_login: bool = True) -> FastAPI:
    """The app, serving ``reports`` (default: ``<NEWS_ETL_LAKE>/_reports``, read at each request)."""

    def folder() -> Path:
        return Path(reports) if reports else get_settings().lake / "_reports"

    app = FastAPI(title="News ingest reports", docs_url=None, redoc_url=None, openapi_url=None)
    login = [Depends(_login_required())] if require_login else []

    @app.get(f"/files/{DATA_DOCS_DIR}/static/{{rel:path}}", include_in_schema=False)
    def data_docs_static(rel: str) -> Response:
        # Library files and GX's styles, no data: public (a page opened from disk or a proxy that strips the
        # session still gets them); fonts are fetched with CORS, hence the header. No page is served here.
        if PurePosixPath(rel).suffix.lower() not in DATA_DOCS_TYPES - {".html"}:
            return _not_found()
        path = _resolve(folder(), f"{DATA_DOCS_DIR}/static/{rel}")
        if path is None:
            return _not_found()
        return FileResponse(
            path,
            headers={**_COMMON_HEADERS, "Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=86400"},
        )

    @app.get("/", include_in_schema=False, dependencies=login)
    def index() -> RedirectResponse:
        # Relative: the app lives under a prefix (and maybe behind a proxy); never an absolute path.
        return RedirectResponse(url=f"files/{REPORT}")

    @app.get("/status", include_in_schema=False, dependencies=login)
    def status() -> HTMLResponse:
        found = _resolve(folder(), REPORT) is not None
        return _page(
            "News reports",
            f"reports folder {html.escape(str(folder()))}: {'report present' if found else 'no report yet'}",
            200,
        )

    @app.get(f"/files/{REPORT}", include_in_schema=False, dependencies=login)
    def report() -> Response:
        path = _resolve(folder(), REPORT)
        if path is None:
            return _page(
                "No run report yet",
                "It is written by the <code>news_quality_report</code> DAG after "
                "each publish of <code>news_ingest</code>, or by "
                "<code>news-etl report</code>.",
                404,
            )
        return FileResponse(
            path,
            media_type="text/html; charset=utf-8",
            headers={**_COMMON_HEADERS, "Content-Security-Policy": REPORT_CSP},
        )

    @app.get(f"/files/{DATA_DOCS_DIR}/{{rel:path}}", include_in_schema=False, dependencies=login)
    def data_docs(rel: str) -> Response:
        if PurePosixPath(rel).suffix.lower() not in DATA_DOCS_TYPES:
            return _not_found()
        path = _resolve(folder(), f"{DATA_DOCS_DIR}/{rel}")
        if path is None:
            if rel == "index.html":
                return _page(
                    "No Data Docs yet",
                    "They are built by the <code>news_quality_report</code> DAG "
                    "(or <code>news-etl report</code>) after a publish.",
                    404,
                )
            return _not_found()
        return FileResponse(path, headers={**_COMMON_HEADERS, "Content-Security-Policy": DATA_DOCS_CSP})

    @app.get("/files/{rel:path}", include_in_schema=False, dependencies=login)
    def anything_else(rel: str) -> HTMLResponse:
        return _not_found()

    return app


class NewsReportsPlugin(AirflowPlugin):
    # AirflowPlugin's interface is plain class attributes, lists included.
    name = "news_reports"
    fastapi_apps = [  # noqa: RUF012 - the plugin interface
        {"app": create_app(), "url_prefix": URL_PREFIX, "name": "News reports"},
    ]
    # nav_top_level: a button each in the navigation bar, not two levels down under Plugins > News.
    external_views = [  # noqa: RUF012 - the plugin interface
        {
            "name": "News report",
            "href": f"news/files/{REPORT}",
            "destination": "nav",
            "category": "News",
            "url_route": "news-run-report",
            "nav_top_level": True,
        },
        {
            "name": "Data Docs",
            "href": f"news/files/{DATA_DOCS}",
            "destination": "nav",
            "category": "News",
            "url_route": "news-data-docs",
            "nav_top_level": True,
        },
    ]
