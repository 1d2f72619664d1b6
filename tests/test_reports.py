"""Data-quality reports: suites on good and crafted bad data, the run report in a real browser, the UI plugin."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from news_etl import lake as lakes
from news_etl import report
from news_etl.quality import gate, published, suites
from news_etl.ruleset import load_rules
from news_etl.runner import run_ingest
from news_etl.settings import get_settings

from .conftest import ROOT, RUN_AT, SEEDS, lake_of

ARTIFACTS = ROOT / "test-artifacts"
BODY = "The council voted on Thursday to close the old bridge to all traffic from next month, officials said."


@pytest.fixture(scope="module")
def checked_lake(tmp_path_factory) -> Path:
    """The seeds ingested, checked (GX Checkpoint + Data Docs) and reported."""
    lake = tmp_path_factory.mktemp("dq") / "lake"
    run_ingest(get_settings().with_paths(SEEDS, lake), "dq-seeds", RUN_AT, clock=lambda: RUN_AT)
    published.check_published(lake_of(lake), "dq-seeds", RUN_AT, load_rules(None))
    report.build_report(lake_of(lake), RUN_AT)
    return lake


# --------------------------------------------------------------------------- suites


def test_published_suites_pass_on_the_seeds_with_fill_rate_warnings(checked_lake: Path) -> None:
    cols, rows = lakes.query(lake_of(checked_lake), "select * from check_runs")
    run = dict(zip(cols, rows[0], strict=True))
    assert run["success"] and run["failed_errors"] == []
    assert run["expectations"] == 22 and run["articles"] == 5
    # Four of the five seeds have no headline or byline line: the fill-rate checks warn, as they should.
    assert "articles_published: expect_column_values_to_not_be_null(title)" in run["failed_warnings"]
    suites = {r[0] for r in lakes.query(lake_of(checked_lake), "select distinct suite from check_results")[1]}
    assert suites == set(published.PUBLISHED_SUITES)
    assert (lakes.data_docs_dir(checked_lake) / "index.html").is_file()


def _articles(**overrides) -> pd.DataFrame:
    rows = [
        {
            "article_id": f"a{i}",
            "title": "A title",
            "body": BODY,
            "word_count": 20,
            "published_at": RUN_AT - timedelta(hours=2),
            "ingested_at": RUN_AT,
            "language": "en",
        }
        for i in range(3)
    ]
    for key, value in overrides.items():
        rows[1][key] = value
    return pd.DataFrame(rows)


def _failed(df: pd.DataFrame) -> set[str]:
    rules = load_rules(None)
    outcome = gate.validate_frame(
        df, "articles", id_column="article_id", run_id="t", validated_at=RUN_AT, variables=suites.suite_variables(rules)
    )
    return {f"{r['expectation']}({r['column_name']})" for r in outcome.results if not r["success"]}


def test_articles_suite_passes_on_good_rows_and_fails_each_crafted_bad_batch() -> None:
    assert _failed(_articles()) == set()
    assert _failed(_articles(article_id="a0")) == {"expect_column_values_to_be_unique(article_id)"}
    assert "expect_column_value_lengths_to_be_between(body)" in _failed(_articles(body=""))
    assert _failed(_articles(body=BODY + "\n\nShare this:")) == {"expect_column_values_to_not_match_regex_list(body)"}
    assert _failed(_articles(published_at=RUN_AT + timedelta(days=2))) == {
        "expect_column_pair_values_a_to_be_greater_than_b(ingested_at,published_at)"
    }


def test_entities_suite_catches_a_dangling_article_id_and_an_unknown_label() -> None:
    from news_etl.nlp import load_config

    df = pd.DataFrame(
        [
            {"article_id": "a1", "entity_id": "e1", "name": "Kim", "label": "PERSON", "mention_count": 2},
            {"article_id": "zz", "entity_id": "e2", "name": "X", "label": "MONEY", "mention_count": 1},
        ]
    )
    outcome = gate.validate_frame(
        df,
        "entities",
        id_column="entity_id",
        run_id="t",
        validated_at=RUN_AT,
        variables={"article_ids": ["a1"], "entity_labels": sorted(load_config().labels)},
    )
    failed = {(r["expectation"], r["column_name"]) for r in outcome.results if not r["success"]}
    assert failed == {
        ("expect_column_values_to_be_in_set", "article_id"),
        ("expect_column_values_to_be_in_set", "label"),
    }


def test_a_failed_error_expectation_fails_the_report_run_with_its_name(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    run_ingest(get_settings(nlp=False).with_paths(SEEDS, lake), "bad", RUN_AT, clock=lambda: RUN_AT)
    # Someone's rule file now calls "Kim" boilerplate: published bodies no longer pass the check.
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(
        "rules:\n  - name: kim_is_boilerplate\n    pattern: 'Kim Jong'\n    check: true\n", encoding="utf-8"
    )
    summary = published.check_published(lake_of(lake), "bad", RUN_AT, load_rules(rules_file))
    assert not summary.success
    assert summary.failed_errors == ("articles_published: expect_column_values_to_not_match_regex_list(body)",)
    cli = subprocess.run(
        [sys.executable, "-m", "news_etl.cli", "report", "--lake", str(lake)],
        capture_output=True,
        text=True,
        env={**os.environ, "NEWS_ETL_RULES": str(rules_file)},
    )
    assert cli.returncode == 1
    assert "expect_column_values_to_not_match_regex_list(body)" in cli.stderr
    assert "Traceback" not in cli.stderr


# --------------------------------------------------------------------------- the report in a browser


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


NO_CHROMIUM = "no chromium on this machine; `sudo make test-deps` installs Debian's, as .ci/run does"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--disable-dev-shm-usage"]


@pytest.mark.skipif(_chromium() is None, reason=NO_CHROMIUM)
def test_the_report_renders_in_a_real_browser_with_its_headings_and_plots(checked_lake: Path, tmp_path: Path) -> None:
    page = report.report_path(checked_lake)
    dom = subprocess.run(
        [_chromium(), *CHROMIUM_FLAGS, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    headings = re.findall(r"<h2>(.*?)</h2>", dom.stdout)
    assert headings == [
        "Files in, articles published and quarantined per run",
        "Quarantined by reason per run",
        "Fill rates per field over time",
        "Expectation pass rate",
        "Failed expectations in the latest checked run",
        "Top boilerplate rules fired",
        "Per-source table",
    ]
    assert dom.stdout.count("<svg") == 4  # files/articles, fill rates, pass rate, rules (nothing quarantined)
    assert "<b>5</b><span>articles published</span>" in dom.stdout
    assert "<b>19/22</b><span>expectations passed</span>" in dom.stdout
    assert "social_network_names" in dom.stdout  # a rule in the rules chart
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    done = subprocess.run(
        [_chromium(), *CHROMIUM_FLAGS, "--window-size=1100,2600", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
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
    assert set(views) == {"News report", "Data Docs"}
    assert all(v["nav_top_level"] for v in views.values())  # buttons in the nav bar, not under Plugins

    news_reports = _plugin()
    from fastapi.testclient import TestClient

    client = TestClient(news_reports.create_app(checked_lake / "_reports", require_login=False))
    assert client.get("/", follow_redirects=False).status_code == 307
    got = client.get(f"/files/{news_reports.REPORT}")
    assert got.status_code == 200 and "data quality report" in got.text
    assert client.get(f"/files/{news_reports.DATA_DOCS}").status_code == 200
    assert client.get("/files/../../catalog.sqlite").status_code == 404  # nothing outside the reports folder


def test_the_api_server_mounts_the_plugin_app() -> None:
    from airflow.api_fastapi.app import create_app
    from fastapi.testclient import TestClient

    client = TestClient(create_app())
    # The app is mounted at /news by Airflow itself, behind Airflow's login.
    assert client.get("/news/status").status_code == 401


def test_report_builds_without_checks_on_an_unchecked_lake(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    run_ingest(get_settings(nlp=False).with_paths(SEEDS, lake), "plain", RUN_AT, clock=lambda: RUN_AT)
    page = report.build_report(lake_of(lake), datetime(2026, 11, 23, 13, 0, tzinfo=UTC)).read_text(encoding="utf-8")
    assert "No run checked yet." in page and "Data Docs not built yet" in page


def test_chunked_validation_matches_one_pass_and_catches_duplicates_across_chunks() -> None:
    import pyarrow as pa

    rows = [
        {
            "article_id": "dup" if i in (1, 11) else f"a{i}",
            "title": "t",
            "body": BODY,
            "word_count": 20,
            "published_at": RUN_AT,
            "ingested_at": RUN_AT,
            "language": "en",
        }
        for i in range(13)
    ]
    table = pa.Table.from_pylist(rows)
    rules = load_rules(None)
    chunked = gate.validate_articles(table, rules, run_id="r", validated_at=RUN_AT, chunk_rows=5)
    whole = gate.validate_articles(table, rules, run_id="r", validated_at=RUN_AT, chunk_rows=100)
    assert chunked.failed_ids == whole.failed_ids == {"dup"}

    def summary(o):
        return [(r["expectation"], r["success"], r["element_count"], r["unexpected_count"]) for r in o.results]

    assert summary(chunked) == summary(whole)


# --------------------------------------------------------------------------- hostile values in every page

#: Markup that, if any page let it run, would set the page title to the marker. The marker itself never
#: appears in the data (it is assembled by the script), so finding it in the DOM means a script ran.
MARKER = "XSS" + "RAN"
RUNS = "document.title='XSS'+'RAN'"
HOSTILE = (
    f'<script>{RUNS}</script><img src=x onerror="{RUNS}"><svg onload="{RUNS}"></svg>'
    f'"\'><iframe srcdoc="<script>parent.{RUNS}</script>"></iframe>'
)
#: The same in names a file system takes (no slash).
HOSTILE_NAME = f"<img src=x onerror={RUNS.replace(' ', '')}>"


def _hostile_inbox(inbox: Path) -> None:
    """Hostile markup in every field a page can show: title, authors, publisher, section, url, file and folder
    names, quotes (one long enough to fail the quote-length warning, so Data Docs list it) and entity names."""
    folder = inbox / f"outlet {HOSTILE_NAME}"
    folder.mkdir(parents=True)
    quote = " ".join(["The bridge will stay closed for a very long time and everybody in town knows it"] * 70)
    esc = HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    html_page = f"""<html><head><title>Bridge {esc}</title>
<meta property="og:site_name" content="{esc}"><meta property="article:section" content="{esc}">
<meta name="author" content="Jane {esc} Doe"><link rel="canonical" href="https://news.test/{esc}">
</head><body><article><h1>Bridge {esc} closes</h1>
<p>The council of Springfield voted on Thursday to close the old bridge, Mayor John {esc} Smith said.</p>
<p>“{quote} {esc} until the end,” said Mayor John Smith of the Springfield Council.</p>
<p>Engineers from {esc} Engineering found deep cracks in two of the piers of the bridge last month.</p>
</article></body></html>"""
    (folder / f"page {HOSTILE_NAME}.html").write_text(html_page, encoding="utf-8")
    record = {
        "title": f"Council {HOSTILE}",
        "authors": [f"Ann {HOSTILE}"],
        "url": f"https://x.test/?q={HOSTILE}",
        "section": HOSTILE,
        "text": (
            f"The council voted on Thursday to close the bridge, {HOSTILE} said.\n\n"
            f"“{quote} {HOSTILE}” said Mayor John Smith.\n\n{BODY}"
        ),
    }
    (folder / f"record {HOSTILE_NAME}.json").write_text(json.dumps(record), encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_lake(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    _hostile_inbox(base / "inbox")
    lake = base / "lake"
    summary = run_ingest(get_settings().with_paths(base / "inbox", lake), "hostile", RUN_AT, clock=lambda: RUN_AT)
    assert summary.articles_published == 2, summary
    published.check_published(lake_of(lake), "hostile", RUN_AT, load_rules(None))
    report.build_report(lake_of(lake), RUN_AT)
    return lake


def _dom(page: Path | str) -> str:
    uri = page.as_uri() if isinstance(page, Path) else page
    # No network: the Data Docs' CDN links fail at once instead of waiting on DNS.
    done = subprocess.run(
        [_chromium(), *CHROMIUM_FLAGS, "--host-resolver-rules=MAP * ~NOTFOUND", "--dump-dom", uri],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.skipif(_chromium() is None, reason=NO_CHROMIUM)
def test_no_page_runs_a_script_from_the_data(hostile_lake: Path, tmp_path: Path) -> None:
    # The harness sees a script that runs: the same markup raw in a page sets the marker.
    control = tmp_path / "control.html"
    control.write_text(f"<html><head><title>t</title></head><body>{HOSTILE}</body></html>")
    assert MARKER in _dom(control)

    docs = lakes.data_docs_dir(hostile_lake)
    pages = [report.report_path(hostile_lake), docs / "index.html", *sorted((docs / "validations").rglob("*.html"))]
    assert len(pages) >= 7  # the report, the Data Docs index, a page per suite that had rows to check
    shown = 0
    for page in pages:
        dom = _dom(page)
        assert MARKER not in dom, f"a script from the data ran in {page}"
        shown += dom.count("XSS'+'RAN")  # the hostile text is there, as text
    assert shown > 0
    quotes_page = next(p for p in pages if "quotes" in p.parts)
    assert "&lt;script&gt;" in quotes_page.read_text(encoding="utf-8")  # the failing quote, escaped
    # The published values themselves are untouched: the escaping is only for display.
    with lakes.reader(lake_of(hostile_lake)) as con:
        assert con.execute("select count(*) from quotes where quote like '%<script>%'").fetchone()[0] >= 1
        assert con.execute("select count(*) from check_results where observed like '%&lt;%'").fetchone()[0] == 0


# --------------------------------------------------------------------------- the plugin's edges


def _plugin():
    sys.path.insert(0, str(ROOT / "plugins"))
    try:
        import news_reports
    finally:
        sys.path.remove(str(ROOT / "plugins"))
    return news_reports


def test_the_plugin_serves_only_the_report_and_data_docs_and_follows_no_symlink(
    checked_lake: Path, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    plugin = _plugin()
    reports = tmp_path / "reports"
    shutil.copytree(checked_lake / "_reports", reports)
    client = TestClient(plugin.create_app(reports, require_login=False))
    page = client.get(f"/files/{plugin.REPORT}")
    assert page.status_code == 200 and "script-src" not in page.headers["content-security-policy"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    docs = client.get(f"/files/{plugin.DATA_DOCS}")
    policy = docs.headers["content-security-policy"]
    assert docs.status_code == 200 and "connect-src 'none'" in policy and "script-src 'self'" in policy
    assert client.get(f"/files/{plugin.DATA_DOCS_DIR}/static/styles/data_docs_default_styles.css").status_code == 200
    for refused in (
        "gx/gx/great_expectations.yml",
        "gx/gx/uncommitted/config_variables.yml",
        f"{plugin.DATA_DOCS_DIR}/../validations/x.json",
        "../../catalog.sqlite",
        "%2e%2e/secret",
    ):
        assert client.get(f"/files/{refused}").status_code == 404, refused
    validation_json = next((reports / "gx" / "gx" / "uncommitted" / "validations").rglob("*.json"))
    assert client.get(f"/files/{validation_json.relative_to(reports).as_posix()}").status_code == 404
    # A symlink, even to a file inside the reports folder, is not followed.
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    (reports / plugin.REPORT).unlink()
    (reports / plugin.REPORT).symlink_to(secret)
    assert client.get(f"/files/{plugin.REPORT}").status_code == 404
    (reports / plugin.DATA_DOCS_DIR / "linked.html").symlink_to(reports / plugin.DATA_DOCS)
    assert client.get(f"/files/{plugin.DATA_DOCS_DIR}/linked.html").status_code == 404


def test_the_plugin_answers_missing_reports_and_hostile_paths_cleanly(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    plugin = _plugin()
    reports = tmp_path / "<script>alert(1)</script>" / "_reports"  # does not exist
    client = TestClient(plugin.create_app(reports, require_login=False))
    assert client.get(f"/files/{plugin.DATA_DOCS}").status_code == 404
    assert client.get(f"/files/{plugin.REPORT}").status_code == 404
    status = client.get("/status")
    assert status.status_code == 200 and "<script>alert" not in status.text and "&lt;script&gt;" in status.text


def test_the_plugin_needs_an_airflow_login(airflow_db, checked_lake: Path, monkeypatch) -> None:
    from airflow.api_fastapi.app import create_app, get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from fastapi.testclient import TestClient

    monkeypatch.setenv("NEWS_ETL_LAKE", str(checked_lake))  # the plugin reads the lake at each request
    client = TestClient(create_app())
    docs = "/news/files/gx/gx/uncommitted/data_docs/local_site/index.html"
    for path in ("/news/status", "/news/files/report.html", docs):
        assert client.get(path).status_code == 401, path
    viewer = SimpleAuthManagerUser(username="u", role="viewer")
    client.cookies.set("_token", get_auth_manager().generate_jwt(viewer))
    assert client.get("/news/files/report.html").status_code == 200
    assert client.get(docs).status_code == 200
    # The Data Docs' static assets hold no data and load from a sandbox without the session: public.
    client.cookies.clear()
    css = client.get("/news/files/gx/gx/uncommitted/data_docs/local_site/static/vendor/bootstrap/bootstrap.min.css")
    assert css.status_code == 200 and css.headers["access-control-allow-origin"] == "*"
    assert client.get("/news/files/gx/gx/uncommitted/data_docs/local_site/static/x.html").status_code == 404


def test_data_docs_load_nothing_from_the_network(checked_lake: Path) -> None:
    from news_etl import datadocs

    site = lakes.data_docs_dir(checked_lake)
    pages = [p for p in site.rglob("*.html") if "vendor" not in p.parts]
    assert len(pages) >= 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert datadocs.remote_loads(text) == [], page
        for ref in re.findall(r'(?:src|href)="([^"#?]+\.(?:css|js|png))"', text):
            assert (page.parent / ref).resolve().is_file(), f"{page} links {ref}, which is not there"


@pytest.mark.skipif(_chromium() is None, reason=NO_CHROMIUM)
def test_data_docs_render_their_tables_offline(checked_lake: Path) -> None:
    # No network at all: the index's results table is filled by bootstrap-table, from the local copy.
    dom = _dom(lakes.data_docs_dir(checked_lake) / "index.html")
    assert "Showing 1 to" in dom and "articles_published" in dom
