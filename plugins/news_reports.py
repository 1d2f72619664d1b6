"""Airflow UI plugin: the data-quality run report and the Great Expectations Data Docs under a "News" menu.

A FastAPI app mounted by the Airflow api-server at ``/news`` serves the lake's ``_reports`` folder
read-only (the run report links to the Data Docs by a relative path, so both work from disk too);
two external views put "Run report" and "Data Docs" in the UI's navigation under "News".
"""

from __future__ import annotations

from pathlib import Path

from airflow.plugins_manager import AirflowPlugin
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.staticfiles import StaticFiles

from news_etl.settings import get_settings

URL_PREFIX = "/news"
REPORT = "report.html"
DATA_DOCS = "gx/gx/uncommitted/data_docs/local_site/index.html"


def create_app(reports: Path | None = None) -> FastAPI:
    """The app, serving ``reports`` (default: ``<NEWS_ETL_LAKE>/_reports``)."""
    reports = Path(reports) if reports else get_settings().lake / "_reports"
    app = FastAPI(title="News ingest reports", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/", include_in_schema=False)
    def index() -> RedirectResponse:
        # Relative: the app lives under a prefix (and maybe behind a proxy); never an absolute path.
        return RedirectResponse(url=f"files/{REPORT}")

    @app.get("/status", include_in_schema=False)
    def status() -> HTMLResponse:
        found = (reports / REPORT).is_file()
        return HTMLResponse(f"<p>reports folder {reports}: {'report present' if found else 'no report yet'}</p>")

    @app.get(f"/files/{REPORT}", include_in_schema=False)
    def report() -> HTMLResponse:
        path = reports / REPORT
        if not path.is_file():
            return HTMLResponse(
                "<h1>No run report yet</h1><p>It is written by the <code>news_quality_report</code> DAG after "
                "each publish of <code>news_ingest</code>, or by <code>news-etl report</code>.</p>",
                status_code=404,
            )
        return HTMLResponse(path.read_text(encoding="utf-8"))

    # The folder may not exist until the first report: do not refuse to start because of it.
    app.mount("/files", StaticFiles(directory=str(reports), check_dir=False, html=True), name="files")
    return app


class NewsReportsPlugin(AirflowPlugin):
    # AirflowPlugin's interface is plain class attributes, lists included.
    name = "news_reports"
    fastapi_apps = [  # noqa: RUF012 - the plugin interface
        {"app": create_app(), "url_prefix": URL_PREFIX, "name": "News reports"},
    ]
    external_views = [  # noqa: RUF012 - the plugin interface
        {"name": "Run report", "href": f"news/files/{REPORT}", "destination": "nav", "category": "News",
         "url_route": "news-run-report"},
        {"name": "Data Docs", "href": f"news/files/{DATA_DOCS}", "destination": "nav", "category": "News",
         "url_route": "news-data-docs"},
    ]
