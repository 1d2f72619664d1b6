"""The lake's data on an object store (``NEWS_ETL_DATA_PATH=s3://...``): tables and staging in the bucket, only the
catalog on the machine. Runs against a real S3 server (s3rver); skipped without it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from news_etl import lake as lakes
from news_etl.maintenance import maintain
from news_etl.settings import get_settings
from news_etl.stages.plan import plan_run
from news_etl.stages.process import process_batch
from news_etl.stages.publish import publish_run
from news_etl.stages.validate import validate_run
from news_etl.staging import RunStage

from .conftest import RUN_AT


@pytest.fixture
def s3_lake(s3_server: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for key, value in s3_server.items():
        monkeypatch.setenv(key, value)
    data = f"s3://news/{uuid.uuid4().hex[:8]}/lake"
    monkeypatch.setenv("NEWS_ETL_DATA_PATH", data)
    return tmp_path / "lake", data


def test_tables_and_staging_live_in_the_bucket(seed_inbox: Path, s3_lake) -> None:
    folder, data = s3_lake
    settings = get_settings(nlp=False).with_paths(seed_inbox, folder)
    lake = lakes.Lake.of(settings)
    assert lake.remote and lake.tables_path == f"{data}/tables/"
    plan = plan_run(settings, "s3-run", RUN_AT)
    stage = RunStage(lake, "s3-run")
    assert stage.url.startswith(f"{data}/staging/") and stage.exists(plan.batches[0].manifest)
    for batch in plan.batches:
        process_batch(settings, batch, RUN_AT)
    validate_run(settings, "s3-run", RUN_AT)
    assert stage.exists("validated/articles.parquet")  # what a publisher on another machine reads
    summary = publish_run(settings, "s3-run", RUN_AT, RUN_AT + timedelta(seconds=5))
    assert summary.articles_published == 5
    assert not stage.exists("validated/articles.parquet")  # staging cleared after the commit

    maintain(lake, datetime.now(UTC), 7, 7)
    files = lakes.referenced_files(lake)
    assert files and all(f.startswith(f"{data}/tables/") for f in files)
    assert lakes.query(lake, "select count(*) from articles")[1] == [(5,)]
    # On this machine: the catalog, nothing else.
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith("catalog.sqlite")) == []

    # Any DuckDB session reads it too: the CLI in another process, with the same settings.
    out = subprocess.run(
        [sys.executable, "-m", "news_etl.cli", "sql", "select count(*) from stories", "--lake", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )
    assert out.returncode == 0 and out.stdout.splitlines()[2].strip() == "1", out.stderr[-2000:]


def test_a_catalog_that_keeps_its_data_elsewhere_is_refused(
    seed_inbox: Path, s3_lake, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, _ = s3_lake
    settings = get_settings(nlp=False).with_paths(seed_inbox, folder)
    lakes.connect(lakes.Lake.of(settings)).close()
    monkeypatch.setenv("NEWS_ETL_DATA_PATH", "s3://news/somewhere-else")
    with pytest.raises(lakes.ConfigError, match="NEWS_ETL_DATA_PATH"):
        lakes.connect(lakes.Lake.of(get_settings().with_paths(lake=folder)))
