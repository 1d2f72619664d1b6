"""
### news_quality_report

Runs after every publish of `news_ingest` (scheduled on the `news_articles` Asset), on the run that was
just published:

1. **check_published_data**: validates the published tables (articles, entities, quotes, removed lines,
   stories, per-source cleaning shares) with a Great Expectations Checkpoint per suite
   (`rules/expectations.yaml`), updates the GX **Data Docs**, and writes `dq_results` / `dq_runs`.
2. **build_run_report**: writes the one-page run report (`<lake>/_reports/report.html`) with its plots.
3. **enforce_severity**: fails, naming the expectations, if an `error`-severity expectation failed
   (`warn` ones are only reported).

Both pages are served in the Airflow UI under the **News** menu (plugin `news_reports`).
Trigger it by hand with `{"lake": "...", "run_id": "..."}` to re-check a run (default: the latest).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Asset, Param, dag, task

from news_etl.settings import ARTICLES_ASSET_NAME, get_settings


def _target(params: dict, triggering_asset_events) -> tuple:
    """The lake and run to check: params first, then the Asset event of the publish, then the defaults."""
    lake, run_id = params.get("lake"), params.get("run_id")
    if triggering_asset_events:
        for events in triggering_asset_events.values():
            for event in events:
                extra = event.extra or {}
                lake = lake or extra.get("lake")
                run_id = run_id or extra.get("run_id")
    return get_settings().with_paths(lake=lake), run_id


@dag(
    dag_id="news_quality_report",
    schedule=[Asset(ARTICLES_ASSET_NAME)],
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["news", "quality"],
    default_args={"retries": 1, "retry_delay": timedelta(minutes=1), "owner": "news-etl"},
    params={
        "lake": Param(None, type=["null", "string"],
                      description="Lake folder (default: the Asset event's, else NEWS_ETL_LAKE)"),
        "run_id": Param(None, type=["null", "string"], description="Ingest run to check (default: the latest)"),
    },
)
def news_quality_report() -> None:
    @task
    def check_published_data(params: dict | None = None, triggering_asset_events=None, dag_run=None) -> dict:
        from news_etl import quality
        from news_etl.cleaning import load_rules

        settings, run_id = _target(params or {}, triggering_asset_events)
        run_id = run_id or quality.latest_run_id(settings.lake)
        if run_id is None:
            return {"run_id": None, "success": True, "failed_errors": [], "lake": str(settings.lake)}
        checked_at = datetime.fromtimestamp(dag_run.run_after.timestamp(), tz=UTC)
        summary = quality.check_published(settings.lake, run_id, checked_at, load_rules(settings.extra_rules))
        return {**summary, "lake": str(settings.lake)}

    @task
    def build_run_report(checks: dict, dag_run=None) -> dict:
        from news_etl import report

        generated_at = datetime.fromtimestamp(dag_run.run_after.timestamp(), tz=UTC)
        path = report.build_report(get_settings().with_paths(lake=checks["lake"]).lake, generated_at)
        return {"report": str(path), "data_docs": checks.get("data_docs")}

    @task
    def enforce_severity(checks: dict, report: dict) -> None:
        from airflow.sdk.exceptions import AirflowFailException

        if checks.get("failed_errors"):
            # A message a data owner can act on, not a stack trace: which checks, which run, where to look.
            raise AirflowFailException(
                f"run {checks['run_id']}: {len(checks['failed_errors'])} error-severity expectation(s) failed: "
                f"{'; '.join(checks['failed_errors'])}. See {report['report']} and the Data Docs."
            )

    checks = check_published_data()
    enforce_severity(checks, build_run_report(checks))


news_quality_report()
