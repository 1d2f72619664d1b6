"""Data-quality reports: suites on good and crafted bad data, the run report in a real browser, the UI plugin."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from news_etl import quality, report
from news_etl.cleaning import load_rules
from news_etl.pipeline import run_ingest
from news_etl.settings import get_settings

from .conftest import ROOT, RUN_AT, SEEDS

ARTIFACTS = ROOT / "test-artifacts"
BODY = "The council voted on Thursday to close the old bridge to all traffic from next month, officials said."


@pytest.fixture(scope="module")
def checked_lake(tmp_path_factory) -> Path:
    """The seeds ingested, checked (GX Checkpoint + Data Docs) and reported."""
    lake = tmp_path_factory.mktemp("dq") / "lake"
    run_ingest(get_settings().with_paths(SEEDS, lake), "dq-seeds", RUN_AT, clock=lambda: RUN_AT)
    quality.check_published(lake, "dq-seeds", RUN_AT, load_rules(None))
    report.build_report(lake, RUN_AT)
    return lake


# --------------------------------------------------------------------------- suites


def test_published_suites_pass_on_the_seeds_with_fill_rate_warnings(checked_lake: Path) -> None:
    from news_etl import catalog

    cols, rows = catalog.query(checked_lake / "catalog.duckdb", "select * from dq_runs")
    run = dict(zip(cols, rows[0], strict=True))
    assert run["success"] and run["failed_errors"] == []
    assert run["expectations"] == 22 and run["articles"] == 5
    # Four of the five seeds have no headline or byline line: the fill-rate checks warn, as they should.
    assert "articles_published: expect_column_values_to_not_be_null(title)" in run["failed_warnings"]
    suites = {r[0] for r in catalog.query(checked_lake / "catalog.duckdb", "select distinct suite from dq_results")[1]}
    assert suites == set(quality.PUBLISHED_SUITES)
    assert (quality.data_docs_dir(checked_lake) / "index.html").is_file()


def _articles(**overrides) -> pd.DataFrame:
    rows = [{"article_id": f"a{i}", "title": "A title", "body": BODY, "word_count": 20,
             "published_at": RUN_AT - timedelta(hours=2), "ingested_at": RUN_AT, "language": "en"}
            for i in range(3)]
    for key, value in overrides.items():
        rows[1][key] = value
    return pd.DataFrame(rows)


def _failed(df: pd.DataFrame) -> set[str]:
    rules = load_rules(None)
    outcome = quality.validate_frame(df, "articles", id_column="article_id", run_id="t", validated_at=RUN_AT,
                                     variables=quality._suite_variables(rules))
    return {f"{r['expectation']}({r['column_name']})" for r in outcome.results if not r["success"]}


def test_articles_suite_passes_on_good_rows_and_fails_each_crafted_bad_batch() -> None:
    assert _failed(_articles()) == set()
    assert _failed(_articles(article_id="a0")) == {"expect_column_values_to_be_unique(article_id)"}
    assert "expect_column_value_lengths_to_be_between(body)" in _failed(_articles(body=""))
    assert _failed(_articles(body=BODY + "\n\nShare this:")) == {
        "expect_column_values_to_not_match_regex_list(body)"}
    assert _failed(_articles(published_at=RUN_AT + timedelta(days=2))) == {
        "expect_column_pair_values_a_to_be_greater_than_b(ingested_at,published_at)"}


def test_entities_suite_catches_a_dangling_article_id_and_an_unknown_label() -> None:
    from news_etl.nlp import load_config

    df = pd.DataFrame([{"article_id": "a1", "entity_id": "e1", "name": "Kim", "label": "PERSON", "mention_count": 2},
                       {"article_id": "zz", "entity_id": "e2", "name": "X", "label": "MONEY", "mention_count": 1}])
    outcome = quality.validate_frame(df, "entities", id_column="entity_id", run_id="t", validated_at=RUN_AT,
                                     variables={"article_ids": ["a1"], "entity_labels": sorted(load_config().labels)})
    failed = {(r["expectation"], r["column_name"]) for r in outcome.results if not r["success"]}
    assert failed == {("expect_column_values_to_be_in_set", "article_id"),
                      ("expect_column_values_to_be_in_set", "label")}


def test_a_failed_error_expectation_fails_the_report_run_with_its_name(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    run_ingest(get_settings(nlp=False).with_paths(SEEDS, lake), "bad", RUN_AT, clock=lambda: RUN_AT)
    # Someone's rule file now calls "Kim" boilerplate: published bodies no longer pass the check.
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text("rules:\n  - name: kim_is_boilerplate\n    pattern: 'Kim Jong'\n    check: true\n",
                          encoding="utf-8")
    summary = quality.check_published(lake, "bad", RUN_AT, load_rules(rules_file))
    assert not summary["success"]
    assert summary["failed_errors"] == ["articles_published: expect_column_values_to_not_match_regex_list(body)"]
    cli = subprocess.run([sys.executable, "-m", "news_etl.cli", "report", "--lake", str(lake)],
                         capture_output=True, text=True, env={**os.environ, "NEWS_ETL_RULES": str(rules_file)})
    assert cli.returncode == 1
    assert "expect_column_values_to_not_match_regex_list(body)" in cli.stderr
    assert "Traceback" not in cli.stderr


# --------------------------------------------------------------------------- the report in a browser


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--disable-dev-shm-usage"]


@pytest.mark.skipif(_chromium() is None, reason="no chromium on this machine (.ci/run installs Debian's)")
def test_the_report_renders_in_a_real_browser_with_its_headings_and_plots(checked_lake: Path, tmp_path: Path) -> None:
    page = report.report_path(checked_lake)
    dom = subprocess.run([_chromium(), *CHROMIUM_FLAGS, "--dump-dom", page.as_uri()], capture_output=True,
                         text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    headings = re.findall(r"<h2>(.*?)</h2>", dom.stdout)
    assert headings == ["Files in, articles published and quarantined per run", "Quarantined by reason per run",
                        "Fill rates per field over time", "Expectation pass rate",
                        "Failed expectations in the latest checked run", "Top boilerplate rules fired",
                        "Per-source table"]
    assert dom.stdout.count("<svg") == 4  # files/articles, fill rates, pass rate, rules (nothing quarantined)
    assert "<b>5</b><span>articles published</span>" in dom.stdout
    assert "<b>19/22</b><span>expectations passed</span>" in dom.stdout
    assert "social_network_names" in dom.stdout  # a rule in the rules chart
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    done = subprocess.run([_chromium(), *CHROMIUM_FLAGS, "--window-size=1100,2600", f"--screenshot={shot}",
                           page.as_uri()], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.stat().st_size > 30_000  # a blank page is a few kB; this one has plots and tables


# --------------------------------------------------------------------------- the Airflow plugin


def test_the_plugin_loads_in_airflow_and_serves_the_reports(checked_lake: Path, monkeypatch) -> None:
    from airflow import plugins_manager

    plugins, errors = plugins_manager._get_plugins()
    assert not errors, errors
    ours = [p for p in plugins if p.name == "news_reports"]
    assert len(ours) == 1
    views = {v["name"]: v for v in ours[0].external_views}
    assert {v["category"] for v in views.values()} == {"News"}
    assert set(views) == {"Run report", "Data Docs"}

    sys.path.insert(0, str(ROOT / "plugins"))
    try:
        import news_reports
    finally:
        sys.path.remove(str(ROOT / "plugins"))
    from fastapi.testclient import TestClient

    client = TestClient(news_reports.create_app(checked_lake / "_reports"))
    assert client.get("/", follow_redirects=False).status_code == 307
    got = client.get(f"/files/{news_reports.REPORT}")
    assert got.status_code == 200 and "data quality report" in got.text
    assert client.get(f"/files/{news_reports.DATA_DOCS}").status_code == 200
    assert client.get("/files/../../catalog.duckdb").status_code == 404  # nothing outside the reports folder


def test_the_api_server_mounts_the_plugin_app() -> None:
    from airflow.api_fastapi.app import create_app
    from fastapi.testclient import TestClient

    client = TestClient(create_app())
    # The app is mounted at /news by Airflow itself; with no report in the default lake it says so.
    assert client.get("/news/status").status_code == 200
    assert client.get("/news/files/report.html").status_code in (200, 404)


def test_report_builds_without_checks_on_an_unchecked_lake(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    run_ingest(get_settings(nlp=False).with_paths(SEEDS, lake), "plain", RUN_AT, clock=lambda: RUN_AT)
    page = report.build_report(lake, datetime(2026, 11, 23, 13, 0, tzinfo=UTC)).read_text(encoding="utf-8")
    assert "No run checked yet." in page and "Data Docs not built yet" in page


def test_chunked_validation_matches_one_pass_and_catches_duplicates_across_chunks() -> None:
    import pyarrow as pa

    rows = [{"article_id": "dup" if i in (1, 11) else f"a{i}", "title": "t", "body": BODY, "word_count": 20,
             "published_at": RUN_AT, "ingested_at": RUN_AT, "language": "en"} for i in range(13)]
    table = pa.Table.from_pylist(rows)
    rules = load_rules(None)
    chunked = quality.validate_articles(table, rules, run_id="r", validated_at=RUN_AT, chunk_rows=5)
    whole = quality.validate_articles(table, rules, run_id="r", validated_at=RUN_AT, chunk_rows=100)
    assert chunked.failed_ids == whole.failed_ids == {"dup"}
    summary = lambda o: [(r["expectation"], r["success"], r["element_count"], r["unexpected_count"])  # noqa: E731
                         for r in o.results]
    assert summary(chunked) == summary(whole)
