"""
### news_lake_maintenance

Keeps the lake as fast on its thousandth day as on its first. Each publish of `news_ingest` adds a small
file (or a few inlined rows) per table; once a day this DAG:

1. **maintain_lake**: flushes inlined rows to Parquet, merges each table's small files per partition day,
   expires snapshots older than `NEWS_ETL_SNAPSHOT_RETENTION_DAYS` (default 7: time travel reaches that far
   back), deletes the files no snapshot references any more (merged-away files, files of publishers killed
   before their commit) and the staging of runs abandoned longer than `NEWS_ETL_STAGING_RETENTION_DAYS`.

Every step is its own DuckLake transaction: `news_ingest` publishes and analysts query meanwhile, and see a
consistent lake throughout. The same work by hand: `news-etl maintain`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Param, dag, task

from news_etl.settings import get_settings

_DEFAULTS = get_settings()


@dag(
    dag_id="news_lake_maintenance",
    schedule="@daily",
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["news", "maintenance"],
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5), "owner": "news-etl"},
    params={"lake": Param(None, type=["null", "string"], description="Lake folder (default: NEWS_ETL_LAKE)")},
)
def news_lake_maintenance() -> None:
    @task
    def maintain_lake(params: dict | None = None, dag_run=None) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from news_etl.lake import Lake
        from news_etl.maintenance import maintain
        from news_etl.settings import ConfigError

        try:
            settings = get_settings().with_paths(lake=(params or {}).get("lake"))
            lake = Lake.of(settings)
        except ConfigError as exc:
            raise AirflowFailException(str(exc)) from exc
        if not lake.exists():
            return {"skipped": f"no lake at {lake.folder} yet"}
        at = datetime.fromtimestamp(dag_run.run_after.timestamp(), tz=UTC)
        return maintain(lake, at, settings.snapshot_retention_days, settings.staging_retention_days).to_xcom()

    maintain_lake()


news_lake_maintenance()
