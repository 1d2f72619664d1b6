"""
### news_quality_report

Runs after every publish of `news_ingest` (scheduled on the `news_articles` Asset) and checks every run
that was published since the last check:

1. **check_published_data**: for each run named by the triggering Asset events (Airflow may hand one report
   run several events, for example after the DAG was paused) and each published run that no check has seen
   yet, validates the published tables (articles, entities, quotes, removed lines, stories, per-source
   cleaning shares) with a Great Expectations Checkpoint per suite (`expectations/suites.yaml`), updates the
   GX **Data Docs**, and writes `check_results` / `check_runs`.
2. **build_run_report**: writes the one-page run report (`<lake>/_reports/report.html`) with its plots.
3. **enforce_severity**: fails, naming the runs and expectations, if an `error`-severity expectation failed
   (`warn` ones are only reported).

Both pages are served in the Airflow UI under **Plugins > News** (plugin `news_reports`).
Trigger it by hand with `{"lake": "...", "run_id": "..."}` to re-check one run (default: every run not yet
checked, else the latest).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Asset, Param, dag, task

from news_etl.settings import ARTICLES_ASSET_NAME, get_settings


def _target(params: dict, triggering_asset_events) -> tuple:
    """The lake, and the runs the events name: params first, then every Asset event of the publishes."""
    lake, named = params.get("lake"), [params["run_id"]] if params.get("run_id") else []
    for events in (triggering_asset_events or {}).values():
        for event in events:
            extra = event.extra or {}
            lake = lake or extra.get("lake")
            if extra.get("run_id") and not params.get("run_id"):
                named.append(extra["run_id"])
    return get_settings().with_paths(lake=lake), named


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
        "lake": Param(
            None, type=["null", "string"], description="Lake folder (default: the Asset event's, else NEWS_ETL_LAKE)"
        ),
        "run_id": Param(
            None,
            type=["null", "string"],
            description="Ingest run to (re-)check (default: every run not checked yet, else the latest)",
        ),
    },
)
def news_quality_report() -> None:
    @task
    def check_published_data(params: dict | None = None, triggering_asset_events=None, dag_run=None) -> dict:
        from news_etl.lake import Lake
        from news_etl.quality import published
        from news_etl.ruleset import load_rules

        params = params or {}
        settings, named = _target(params, triggering_asset_events)
        checked_at = datetime.fromtimestamp(dag_run.run_after.timestamp(), tz=UTC)
        return published.check_runs(
            Lake.of(settings),
            named,
            checked_at,
            load_rules(settings.extra_rules),
            backlog=0 if params.get("run_id") else published.MAX_BACKLOG_CHECKS,
        ).to_xcom()

    @task
    def build_run_report(checks: dict, dag_run=None) -> dict:
        from news_etl import report
        from news_etl.lake import Lake

        generated_at = datetime.fromtimestamp(dag_run.run_after.timestamp(), tz=UTC)
        path = report.build_report(Lake.of(get_settings().with_paths(lake=checks["lake"])), generated_at)
        return {"report": str(path), "data_docs": checks.get("data_docs")}

    @task
    def enforce_severity(checks: dict, report: dict) -> None:
        from airflow.sdk.exceptions import AirflowFailException

        if checks.get("failed_errors"):
            # A message a data owner can act on, not a stack trace: which checks, which runs, where to look.
            raise AirflowFailException(
                f"{len(checks['failed_errors'])} error-severity expectation(s) failed: "
                f"{'; '.join(checks['failed_errors'])}. See {report['report']} and the Data Docs."
            )

    checks = check_published_data()
    enforce_severity(checks, build_run_report(checks))


news_quality_report()
