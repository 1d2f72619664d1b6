"""
### news_ingest

Ingests the article files that scrapers drop in the inbox and lands them as Parquet tables in the lake.

1. **discover_files**: lists inbox files not yet in the ledger and splits them into batches.
2. **process_batch** (dynamically mapped: `ceil(files / NEWS_ETL_BATCH_SIZE)` tasks): reads each file (any
   common encoding, HTML, JSON/JSONL, gzipped), removes boilerplate, extracts metadata, entities, quotes and
   story vectors, on every CPU of its worker (`NEWS_ETL_BATCH_PROCESSES`). Unreadable files go to the
   `quarantine` table with a reason; the run goes on.
3. **validate_articles**: runs the Great Expectations suite; rows that fail are quarantined, not published.
4. **publish_articles**: commits the run to the DuckLake lake in one transaction (every table, the ledger,
   the run row and the refreshed stories), and updates the `news_articles` Asset. A publish that meets
   another commit is retried from its duplicate checks on.
5. **settle_inbox**: with `NEWS_ETL_DONE_FILES=archive` (or `delete`), moves the run's committed files out of
   the inbox into `NEWS_ETL_ARCHIVE/<ingest date>/` (or deletes them), so later runs never walk them again.
   Quarantined files stay for a fix and a re-run. With the default (`keep`) it does nothing.

Inbox and lake come from `NEWS_ETL_INBOX` / `NEWS_ETL_LAKE`, or per run from the `inbox` / `lake` params; the
lake's catalog and data root from `NEWS_ETL_CATALOG` / `NEWS_ETL_DATA_PATH` (a PostgreSQL catalog and `s3://`
data let workers on several machines share nothing else).
The schedule is `NEWS_ETL_SCHEDULE` (default every 15 minutes). Re-running a run changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Asset, Param, dag, task

# Only the light settings module is imported at parse time; the stages are imported inside tasks.
from news_etl.settings import ARTICLES_ASSET_NAME, get_settings

_DEFAULTS = get_settings()
ARTICLES = Asset(ARTICLES_ASSET_NAME)


def _run_context(params: dict, dag_run) -> tuple:
    """Settings for this run (params override the environment) and the run's reference time. A setting that
    is wrong fails the task at once (AirflowFailException): no retry can fix it."""
    from airflow.sdk.exceptions import AirflowFailException

    from news_etl.settings import ConfigError

    try:
        settings = get_settings().with_paths(params.get("inbox"), params.get("lake"))
    except ConfigError as exc:
        raise AirflowFailException(str(exc)) from exc
    # Manual and asset-triggered runs have no logical date: run_after is always set.
    run_at = datetime.fromtimestamp(dag_run.run_after.timestamp(), tz=UTC)
    return settings, run_at


@dag(
    dag_id="news_ingest",
    schedule=_DEFAULTS.schedule,
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["news", "ingest"],
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1), "owner": "news-etl"},
    params={
        "inbox": Param(None, type=["null", "string"], description="Inbox folder (default: NEWS_ETL_INBOX)"),
        "lake": Param(None, type=["null", "string"], description="Lake folder (default: NEWS_ETL_LAKE)"),
    },
)
def news_ingest() -> None:
    @task
    def discover_files(params: dict | None = None, dag_run=None) -> list[dict]:
        from airflow.sdk.exceptions import AirflowFailException

        from news_etl.settings import ConfigError
        from news_etl.stages.plan import plan_run

        settings, run_at = _run_context(params or {}, dag_run)
        try:
            return [b.to_xcom() for b in plan_run(settings, dag_run.run_id, run_at).batches]
        except ConfigError as exc:  # a missing inbox or overlapping folders: no retry can fix it
            raise AirflowFailException(str(exc)) from exc

    @task
    def process_batch(batch: dict, params: dict | None = None, dag_run=None) -> dict:
        from news_etl.stages.plan import Batch
        from news_etl.stages.process import process_batch

        settings, run_at = _run_context(params or {}, dag_run)
        return process_batch(settings, Batch.from_xcom(batch), run_at).to_xcom()

    @task
    def validate_articles(batch_results: list[dict], params: dict | None = None, dag_run=None) -> dict:
        from news_etl.stages.validate import validate_run

        settings, run_at = _run_context(params or {}, dag_run)
        return validate_run(settings, dag_run.run_id, run_at).to_xcom()

    @task(outlets=[ARTICLES])
    def publish_articles(validation: dict, params: dict | None = None, dag_run=None, outlet_events=None) -> dict:
        from news_etl.stages.publish import publish_run

        settings, run_at = _run_context(params or {}, dag_run)
        published = publish_run(settings, dag_run.run_id, run_at, datetime.now(UTC))
        if outlet_events is not None:
            # news_quality_report reads which lake and run to check from the Asset event.
            outlet_events[ARTICLES].extra = {"lake": str(settings.lake), "run_id": dag_run.run_id}
        return published.to_xcom()

    @task
    def settle_inbox(published: dict, params: dict | None = None, dag_run=None) -> dict:
        from news_etl.stages.settle import settle_inbox

        settings, _ = _run_context(params or {}, dag_run)
        return settle_inbox(settings, datetime.now(UTC)).to_xcom()

    batches = discover_files()
    results = process_batch.expand(batch=batches)
    settle_inbox(publish_articles(validate_articles(results)))


news_ingest()
