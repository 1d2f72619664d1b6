"""DAG integrity and an end-to-end ``dag.test()`` of news_ingest on the sample inbox."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from news_etl import lake as lakes

from .conftest import ROOT, lake_of

pytestmark = pytest.mark.airflow

DAGS = ROOT / "dags"


@pytest.fixture(scope="module")
def dagbag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_dags_import_cleanly(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert {"news_ingest", "news_quality_report", "news_lake_maintenance"} <= set(dagbag.dags)


def test_every_dag_follows_the_house_rules(dagbag) -> None:
    for dag_id, dag in dagbag.dags.items():
        path = Path(dag.fileloc)
        assert path.stem == dag_id, "DAG id = file name"
        assert dag.doc_md and dag.doc_md.strip(), f"{dag_id} needs a docstring"
        assert dag.tags, f"{dag_id} needs tags"
        assert dag.start_date.tzinfo is not None and dag.start_date.utcoffset().total_seconds() == 0
        for task in dag.tasks:
            assert task.retries >= 1, f"{dag_id}.{task.task_id} needs retries"
            verb = task.task_id.split("_")[0]
            assert "_" in task.task_id and verb.isalpha(), f"{task.task_id} is not verb_object"


def test_news_ingest_shape(dagbag) -> None:
    dag = dagbag.dags["news_ingest"]
    assert {t.task_id for t in dag.tasks} == {
        "discover_files",
        "process_batch",
        "validate_articles",
        "publish_articles",
        "settle_inbox",
    }
    assert dag.schedule == "*/15 * * * *" or str(dag.timetable.summary) == "*/15 * * * *"
    process = dag.get_task("process_batch")
    assert process.is_mapped if hasattr(process, "is_mapped") else type(process).__name__ == "MappedOperator"
    publish = dag.get_task("publish_articles")
    assert [o.name for o in publish.outlets] == ["news_articles"]


def test_news_quality_report_runs_on_the_articles_asset(dagbag) -> None:
    dag = dagbag.dags["news_quality_report"]
    assert {t.task_id for t in dag.tasks} == {"check_published_data", "build_run_report", "enforce_severity"}
    assets = (
        [a.name for a in dag.timetable.asset_condition.iter_assets().values()]
        if hasattr(dag.timetable.asset_condition, "iter_assets")
        else []
    )
    assert "news_articles" in assets or "news_articles" in str(dag.timetable.asset_condition)


def test_dag_files_are_thin() -> None:
    """No heavy imports at module level of a DAG file: parsing must stay fast."""
    heavy = {
        "pandas",
        "pyarrow",
        "duckdb",
        "great_expectations",
        "trafilatura",
        "spacy",
        "news_etl.pipeline",
        "news_etl.quality",
        "news_etl.report",
    }
    for path in DAGS.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.Import):
                names = {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                names = {node.module or ""}
            else:
                continue
            assert not names & heavy, f"{path.name} imports {names & heavy} at parse time"


def test_dag_test_end_to_end_on_the_seeds(dagbag, seed_inbox: Path, lake: Path) -> None:
    dag = dagbag.dags["news_ingest"]
    conf = {"inbox": str(seed_inbox), "lake": str(lake)}
    run = dag.test(run_after=datetime(2026, 11, 23, 12, 0, tzinfo=UTC), run_conf=conf)
    assert str(run.state) in {"success", "DagRunState.SUCCESS"}

    con = lakes.connect(lake_of(lake), read_only=True)
    rows = {
        r[0]: r
        for r in con.execute(
            "select source_path, title, authors, published_at, modified_at, dateline, body from articles"
        ).fetchall()
    }
    assert len(rows) == 5
    a003 = rows["003_ddabe0bb499dbc38.txt"]
    assert a003[1] == "Kim Jong-un likely to meet Putin in Russia for arms deal negotiations, claims US"
    assert a003[2] == ["Lee Bon-young"]
    assert a003[3] == a003[4] == datetime(2023, 9, 6, 7, 47, tzinfo=UTC)
    assert rows["002_f8178e955944c9a2.txt"][5] == "Seoul"
    for row in rows.values():
        for needle in [
            "Share this",
            "Like Loading",
            "Also Read:",
            "Keep Reading",
            "Related stories",
            "Most viewed articles",
            "Please direct questions",
        ]:
            assert needle not in row[6]
    runs = con.execute("select run_id, articles_published, files_seen from ingest_runs").fetchall()
    assert runs == [(run.run_id, 5, 5)]
    # The NLP and story tables land through the DAG too: one story, the seeds' people and quotes.
    assert con.execute("select n_articles, n_sources from stories").fetchall() == [(5, 5)]
    people = {r[0] for r in con.execute("select name from entities where label = 'PERSON'").fetchall()}
    assert {"Kim Jong Un", "Vladimir Putin", "Sergei Shoigu", "John Kirby"} <= people
    speakers = con.execute("select speaker from quotes where quote like 'Why not, these are our neighbors%'")
    assert speakers.fetchall() == [("Sergei Shoigu",)]
    con.close()

    # A second scheduled run over the same inbox: green, and nothing added.
    again = dag.test(run_after=datetime(2026, 11, 23, 12, 15, tzinfo=UTC), run_conf=conf)
    assert str(again.state) in {"success", "DagRunState.SUCCESS"}
    con = lakes.connect(lake_of(lake), read_only=True)
    assert con.execute("select count(*) from articles").fetchone()[0] == 5
    assert con.execute("select count(*) from ingest_runs").fetchone()[0] == 1
    con.close()


def test_dag_test_quality_report_after_an_ingest(dagbag, seed_inbox: Path, lake: Path) -> None:
    conf = {"inbox": str(seed_inbox), "lake": str(lake)}
    ingest = dagbag.dags["news_ingest"].test(run_after=datetime(2026, 11, 24, 6, 0, tzinfo=UTC), run_conf=conf)
    assert str(ingest.state) in {"success", "DagRunState.SUCCESS"}
    run = dagbag.dags["news_quality_report"].test(
        run_after=datetime(2026, 11, 24, 6, 5, tzinfo=UTC), run_conf={"lake": str(lake)}
    )
    assert str(run.state) in {"success", "DagRunState.SUCCESS"}
    assert (lake / "_reports" / "report.html").is_file()
    assert (lake / "_reports" / "gx" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").is_file()
    con = lakes.connect(lake_of(lake), read_only=True)
    assert con.execute("select run_id, success from check_runs").fetchall() == [(ingest.run_id, True)]
    con.close()


def test_dag_test_lake_maintenance_after_an_ingest(dagbag, seed_inbox: Path, lake: Path) -> None:
    conf = {"inbox": str(seed_inbox), "lake": str(lake)}
    ingest = dagbag.dags["news_ingest"].test(run_after=datetime(2026, 11, 25, 6, 0, tzinfo=UTC), run_conf=conf)
    assert str(ingest.state) in {"success", "DagRunState.SUCCESS"}
    written = lakes.data_files(lake_of(lake))["articles"]
    run = dagbag.dags["news_lake_maintenance"].test(
        run_after=datetime(2026, 11, 25, 7, 0, tzinfo=UTC), run_conf={"lake": str(lake)}
    )
    assert str(run.state) in {"success", "DagRunState.SUCCESS"}
    # No rows are inlined in the catalog (data_inlining_row_limit 0: see lake.LAKE_OPTIONS): the publish wrote
    # one Parquet file, and maintenance keeps the table at one file.
    assert written == 1 and lakes.data_files(lake_of(lake))["articles"] == 1
    assert lakes.query(lake_of(lake), "select count(*) from articles")[1] == [(5,)]
