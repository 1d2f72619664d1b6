"""The scheduled path as an operator meets it: every run checked, errors that fail at once, a CLI that reads
the same settings as the DAG."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from news_etl import lake as lakes
from news_etl.quality import published
from news_etl.ruleset import load_rules
from news_etl.runner import run_ingest
from news_etl.settings import ConfigError, get_settings
from news_etl.stages.plan import plan_run

from .conftest import ROOT, RUN_AT, SEEDS, lake_of

CLI = str(Path(sys.executable).with_name("news-etl"))


@pytest.fixture(scope="module")
def dagbag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def _two_runs(tmp_path: Path) -> tuple[Path, list[str]]:
    inbox, lake = tmp_path / "inbox", tmp_path / "lake"
    inbox.mkdir()
    settings = get_settings(nlp=False).with_paths(inbox, lake)
    ids = []
    for k, seed in enumerate(sorted(SEEDS.iterdir())[:2]):
        (inbox / seed.name).write_bytes(seed.read_bytes())
        at = RUN_AT.replace(hour=12 + k)
        ids.append(run_ingest(settings, f"run-{k}", at, clock=lambda at=at: at).run_id)
    return lake, ids


@pytest.mark.airflow
def test_two_asset_events_in_one_report_run_check_both_runs(dagbag, tmp_path: Path) -> None:
    lake, ids = _two_runs(tmp_path)
    # What Airflow hands a report run that was paused while two publishes happened: two events at once.
    events = {"news_articles": [SimpleNamespace(extra={"lake": str(lake), "run_id": i}) for i in ids]}
    spec = importlib.util.spec_from_file_location("news_quality_report_dag", ROOT / "dags" / "news_quality_report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    settings, named = module._target({}, events)
    assert settings.lake == lake and named == ids
    result = published.check_runs(lake_of(settings.lake), named, RUN_AT.replace(hour=15), load_rules(None))
    assert result.runs == ids
    checked = lakes.query(lake_of(lake), "select run_id from check_runs order by run_id")[1]
    assert checked == [(i,) for i in ids]  # exactly one check each


@pytest.mark.airflow
def test_a_report_run_with_no_event_checks_every_published_run_not_checked_yet(dagbag, tmp_path: Path) -> None:
    lake, ids = _two_runs(tmp_path)
    run = dagbag.dags["news_quality_report"].test(
        run_after=datetime(2026, 10, 2, 6, 5, tzinfo=UTC), run_conf={"lake": str(lake)}
    )
    assert str(run.state) in {"success", "DagRunState.SUCCESS"}
    checked = lakes.query(lake_of(lake), "select run_id, count(*) from check_runs group by 1 order by 1")[1]
    assert checked == [(i, 1) for i in ids]


@pytest.mark.airflow
def test_a_missing_inbox_fails_the_run_at_once_naming_the_setting(dagbag, tmp_path: Path) -> None:
    from airflow.models import TaskInstance
    from airflow.utils.session import create_session

    conf = {"inbox": str(tmp_path / "no-such-inbox"), "lake": str(tmp_path / "lake")}
    run = dagbag.dags["news_ingest"].test(run_after=datetime(2026, 10, 3, 6, 0, tzinfo=UTC), run_conf=conf)
    assert str(run.state) in {"failed", "DagRunState.FAILED"}
    with create_session() as session:
        ti = (
            session.query(TaskInstance)
            .filter_by(dag_id="news_ingest", run_id=run.run_id, task_id="discover_files")
            .one()
        )
        # Failed on its first try, not up for retry: no retry can make a folder appear.
        assert str(ti.state) in {"failed", "TaskInstanceState.FAILED"} and ti.try_number == 1


def test_settings_no_retry_can_fix_are_config_errors(tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(ConfigError, match="NEWS_ETL_INBOX"):
        plan_run(get_settings().with_paths(tmp_path / "missing", tmp_path / "lake"), "r", RUN_AT)
    monkeypatch.setenv("NEWS_ETL_BATCH_SIZE", "lots")
    with pytest.raises(ConfigError, match="NEWS_ETL_BATCH_SIZE must be an integer"):
        get_settings()
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    (tmp_path / "inbox").mkdir()
    monkeypatch.delenv("NEWS_ETL_BATCH_SIZE")
    with pytest.raises(ConfigError, match="cannot be written"):
        get_settings().with_paths(tmp_path / "inbox", blocked / "lake").check_paths()


def test_the_cli_reads_the_same_settings_as_the_dag(tmp_path: Path) -> None:
    inbox, lake = tmp_path / "inbox", tmp_path / "lake"
    inbox.mkdir()
    (inbox / "a.txt").write_bytes(sorted(SEEDS.iterdir())[0].read_bytes())
    env = {**os.environ, "NEWS_ETL_INBOX": str(inbox), "NEWS_ETL_LAKE": str(lake), "NEWS_ETL_NLP": "off"}
    done = subprocess.run([CLI, "ingest"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["articles_published"] == 1
    rows = subprocess.run(
        [CLI, "sql", "select count(*) as n from articles"], capture_output=True, text=True, env=env, timeout=120
    )
    assert rows.returncode == 0 and "1" in rows.stdout.splitlines()[2]
    bad = subprocess.run(
        [CLI, "summary"], capture_output=True, text=True, timeout=60, env={**env, "NEWS_ETL_MAX_BATCHES": "many"}
    )
    assert bad.returncode == 2 and "NEWS_ETL_MAX_BATCHES must be an integer" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_help_lists_every_command() -> None:
    from news_etl.cli import build_parser

    commands = set(build_parser()._subparsers._group_actions[0].choices)  # argparse keeps them here
    shown = subprocess.run([CLI, "--help"], capture_output=True, text=True, timeout=60).stdout
    for command in commands:
        assert f"news-etl {command} " in shown, command


def test_counts_name_what_they_count(tmp_path: Path) -> None:
    # Files of another inbox in the ledger are not "already known" files of this one.
    lake = tmp_path / "lake"
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    seeds = sorted(SEEDS.iterdir())
    for seed in seeds[:3]:
        (first / seed.name).write_bytes(seed.read_bytes())
    (second / seeds[3].name).write_bytes(seeds[3].read_bytes())
    settings = get_settings(nlp=False)
    run_ingest(settings.with_paths(first, lake), "first", RUN_AT, clock=lambda: RUN_AT)
    plan = plan_run(settings.with_paths(second, lake), "second", RUN_AT.replace(hour=13))
    assert plan.n_files == 1 and plan.n_unchanged == 0
    again = plan_run(settings.with_paths(first, lake), "third", RUN_AT.replace(hour=14))
    assert again.n_files == 0 and again.n_unchanged == 3


def test_report_on_a_run_that_is_not_committed_says_so_and_checks_nothing_else(tmp_path: Path) -> None:
    lake, _ = _two_runs(tmp_path)
    done = subprocess.run(
        [CLI, "report", "--lake", str(lake), "--run-id", "no-such-run"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 2 and "no committed run no-such-run" in done.stderr, done.stderr[-2000:]
    assert lakes.query(lake_of(lake), "select count(*) from check_runs")[1] == [(0,)]
