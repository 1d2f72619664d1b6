"""The core pipeline without Airflow: seeds in, tables out; re-runs, new files, quarantine, duplicates."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from news_etl import lake as lakes
from news_etl.queries import example_queries
from news_etl.runner import run_ingest
from news_etl.schemas import ALL_TABLES, PARTITION_COLUMN, TABLES
from news_etl.settings import get_settings
from news_etl.stages import extract, plan
from news_etl.stages.plan import plan_run
from news_etl.stages.process import process_batch
from news_etl.stages.publish import publish_run
from news_etl.stages.validate import validate_run
from news_etl.staging import RunStage, run_slug

from .conftest import RUN_AT, SEEDS, lake_of

BOILERPLATE = [
    "Share this:",
    "Like this:",
    "Like Loading",
    "Also Read:",
    "Keep Reading",
    "Related stories",
    "Most viewed articles",
    "Please direct questions or comments",
    "(KCNA/Yonhap)",
    "By Lee Bon-young",
]


def _ingest(inbox: Path, lake: Path, run_id: str = "run-1", at: datetime = RUN_AT, **overrides) -> dict:
    settings = get_settings(**overrides).with_paths(inbox, lake)
    return run_ingest(settings, run_id, at, clock=lambda: at + timedelta(seconds=5))


def _rows(lake: Path, sql: str) -> list[tuple]:
    return lakes.query(lake_of(lake), sql)[1]


def _count(lake: Path, table: str) -> int:
    return _rows(lake, f"select count(*) from {table}")[0][0]


def test_seeds_land_with_the_specified_values(seed_inbox: Path, lake: Path) -> None:
    summary = _ingest(seed_inbox, lake)
    assert summary.articles_published == 5 and summary.files_quarantined == 0

    # The contract: any DuckDB session attaches the lake with the ATTACH line news-etl prints.
    lk = lake_of(lake)
    con = duckdb.connect()
    for name in ("ducklake", "sqlite_scanner"):
        con.execute(f"LOAD '{lakes.extension_path(name)}'")
    con.execute(lk.attach_sql())
    arts = {
        r[0]: r
        for r in con.execute(
            "select source_path, title, authors, published_at, modified_at, dateline, publisher, language, body, "
            "word_count, headings, published_at_raw from lake.articles"
        ).fetchall()
    }
    con.close()
    assert sorted(arts) == sorted(p.name for p in SEEDS.iterdir())

    a003 = arts["003_ddabe0bb499dbc38.txt"]
    assert a003[1] == "Kim Jong-un likely to meet Putin in Russia for arms deal negotiations, claims US"
    assert a003[2] == ["Lee Bon-young"]
    assert a003[3] == datetime(2023, 9, 6, 7, 47, tzinfo=UTC)
    assert a003[4] == a003[3]
    assert a003[11] == "2023-09-06 16:47 KST"
    assert a003[6] == "hani.co.kr"
    assert arts["002_f8178e955944c9a2.txt"][5] == "Seoul"
    assert "Possible Armament Exchange" in arts["002_f8178e955944c9a2.txt"][10]
    assert "Possible Armament Exchange" in arts["002_f8178e955944c9a2.txt"][8]  # headings stay in the body
    for path, row in arts.items():
        body = row[8]
        assert row[7] == "en"
        assert row[9] > 300
        assert "\n\n" in body
        for needle in BOILERPLATE:
            assert needle not in body, f"{path} still holds {needle!r}"
        for name in ["Twitter", "Facebook", "WhatsApp", "Telegram", "LinkedIn"]:
            assert f"\n\n{name}\n\n" not in f"\n\n{body}\n\n"
        if path != "003_ddabe0bb499dbc38.txt":
            assert row[1] is None  # no headline line: no invented title
    # the duplicated caption: both copies removed, each recorded
    captions = _rows(lake, "select count(*) from boilerplate_removed where rule = 'photo_credit_caption'")
    assert captions[0][0] == 2
    rules = {r[0] for r in _rows(lake, "select distinct rule from boilerplate_removed")}
    assert {
        "share_widget",
        "social_network_names",
        "like_widget",
        "also_read",
        "keep_reading",
        "related_heading",
        "most_viewed",
        "contact_footer",
    } <= rules


def test_rerun_adds_no_rows_and_new_file_is_picked_up_alone(seed_inbox: Path, lake: Path) -> None:
    _ingest(seed_inbox, lake, "run-1")
    before = {t: _count(lake, t) for t in TABLES}
    files_before = sorted(p.relative_to(lake) for p in lake.rglob("*.parquet"))
    snapshot_before = _rows(lake, "select max(snapshot_id) from ducklake_snapshots('lake')")

    again = _ingest(seed_inbox, lake, "run-2", RUN_AT + timedelta(minutes=15))
    assert again.nothing_new is True
    assert {t: _count(lake, t) for t in TABLES} == before
    assert sorted(p.relative_to(lake) for p in lake.rglob("*.parquet")) == files_before
    assert _rows(lake, "select max(snapshot_id) from ducklake_snapshots('lake')") == snapshot_before

    # Re-running the *same* run id is a no-op too (an Airflow retry of the whole run).
    _ingest(seed_inbox, lake, "run-1")
    assert {t: _count(lake, t) for t in TABLES} == before

    shutil.copy(SEEDS / "003_ddabe0bb499dbc38.txt", seed_inbox / "later.txt")  # same bytes: a duplicate
    (seed_inbox / "new.txt").write_text("A Brand New Headline Appears\n\n" + "Fresh reporting with many words. " * 20)
    third = _ingest(seed_inbox, lake, "run-3", RUN_AT + timedelta(minutes=30))
    assert third.files_seen == 2
    assert third.articles_published == 1 and third.files_duplicate == 1
    new = _rows(lake, "select source_path, title, run_id from articles where run_id = 'run-3'")
    assert new == [("new.txt", "A Brand New Headline Appears", "run-3")]
    dup = _rows(lake, "select outcome, duplicate_of from ingest_files where source_path = 'later.txt'")
    assert dup == [("duplicate", "003_ddabe0bb499dbc38.txt")]
    assert _rows(lake, "select count(*) from boilerplate_removed where source_path = 'later.txt'") == [(0,)]
    assert _count(lake, "articles") == 6


def test_bad_files_are_quarantined_and_the_run_goes_on(inbox: Path, lake: Path) -> None:
    shutil.copy(SEEDS / "001_d4a9da04ce5f80a8.txt", inbox / "good.txt")
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (inbox / "broken.json").write_text('{"text": ')
    (inbox / "truncated.txt.gz").write_bytes(gzip.compress(b"x" * 5000)[:30])
    (inbox / "slides.pptx").write_bytes(b"PK\x03\x04")
    (inbox / "short.txt").write_text("Only four words here.")
    (inbox / "mixed.jsonl").write_text(json.dumps({"text": "Good record. " * 20}) + "\n{oops\n")
    summary = _ingest(inbox, lake)

    reasons = dict(
        _rows(
            lake,
            "select source_path, reason_code from quarantine where record_index is null "
            "or source_path != 'mixed.jsonl'",
        )
    )
    assert reasons == {
        "empty.txt": "empty",
        "binary.txt": "binary",
        "broken.json": "bad_json",
        "truncated.txt.gz": "corrupt_gzip",
        "slides.pptx": "unsupported_type",
        "short.txt": "expectation_failed",
    }
    failed = _rows(lake, "select expectation, payload is not null from quarantine where source_path = 'short.txt'")
    assert ("expect_column_values_to_be_between(word_count)", True) in failed
    assert _rows(lake, "select reason_code, record_index from quarantine where source_path = 'mixed.jsonl'") == [
        ("bad_json", 1)
    ]
    outcomes = dict(_rows(lake, "select source_path, outcome from ingest_files"))
    assert outcomes["mixed.jsonl"] == "partial" and outcomes["good.txt"] == "published"
    assert summary.files_seen == 8
    assert summary.articles_quarantined == 1  # short.txt, whatever number of expectations it failed
    assert summary.files_published + summary.files_duplicate + summary.files_quarantined == 8
    assert sorted(r[0] for r in _rows(lake, "select source_path from articles")) == ["good.txt", "mixed.jsonl"]
    # Every reason is a sentence naming the file, not a traceback.
    for (reason,) in _rows(lake, "select reason from quarantine"):
        assert "Traceback" not in reason and len(reason) > 15


def test_future_date_and_leftover_boilerplate_fail_validation(inbox: Path, lake: Path) -> None:
    words = "The council approved the new budget after a long debate on Tuesday evening. " * 3
    (inbox / "future.txt").write_text(f"Posted on: 2031-01-01 10:00 UTC\n{words}")
    (inbox / "ok.txt").write_text(f"Posted on: 2023-01-01 10:00 UTC\n{words} Different.")
    _ingest(inbox, lake)
    rows = _rows(lake, "select source_path, expectation from quarantine")
    assert rows == [("future.txt", "expect_column_pair_values_a_to_be_greater_than_b(ingested_at, published_at)")]
    assert _rows(lake, "select source_path from articles") == [("ok.txt",)]
    results = dict(
        _rows(
            lake,
            "select expectation || '(' || column_name || ')', success from gate_results "
            "where expectation = 'expect_column_pair_values_a_to_be_greater_than_b'",
        )
    )
    assert list(results.values()) == [False]


def test_tables_follow_their_schema_and_partitioning(seed_inbox: Path, lake: Path) -> None:
    _ingest(seed_inbox, lake)
    lk = lake_of(lake)
    for table, schema in ALL_TABLES.items():
        assert lakes.read(lk, table).schema == schema, table  # the lake's columns are the contract's
    with lakes.reader(lk) as con:
        parts = dict(
            con.execute(
                "select t.table_name, list(c.column_name order by p.partition_key_index) "
                "from __ducklake_metadata_lake.ducklake_partition_column as p "
                "join __ducklake_metadata_lake.ducklake_table as t using (table_id) "
                "join __ducklake_metadata_lake.ducklake_column as c "
                "  on c.table_id = p.table_id and c.column_id = p.column_id "
                "where t.end_snapshot is null and c.end_snapshot is null "
                "group by 1"
            ).fetchall()
        )
    assert {t: set(cols) for t, cols in parts.items()} == {t: {c} for t, c in PARTITION_COLUMN.items()}
    from news_etl.maintenance import maintain

    maintain(lk, RUN_AT, 7, 7)  # merged per partition day
    day = "year=2026/month=11/day=23"
    for table in ("articles", "entities", "ingest_files"):
        files = list((lk.folder / "tables" / "main" / table).rglob("*.parquet"))
        assert files and all(day in p.as_posix() for p in files), (table, files)
    # No temp files, no staging left behind.
    assert not [p for p in lake.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
    assert not (lake / "staging").exists() or not any((lake / "staging").iterdir())


def test_a_publish_killed_before_its_commit_leaves_nothing_visible_and_the_retry_publishes(
    seed_inbox: Path, lake: Path
) -> None:
    """A publisher that died inside its transaction: its data files exist, no snapshot references them."""
    settings = get_settings().with_paths(seed_inbox, lake)
    plan = plan_run(settings, "dead-run", RUN_AT)
    for batch in plan.batches:
        process_batch(settings, batch, RUN_AT)
    validate_run(settings, "dead-run", RUN_AT)
    code = (
        "import sys; from datetime import datetime, UTC; from news_etl.settings import get_settings; "
        "from news_etl.stages.publish import publish_run; at = datetime(2026, 11, 23, 12, tzinfo=UTC); "
        f"publish_run(get_settings().with_paths({str(seed_inbox)!r}, {str(lake)!r}), 'dead-run', at, at)"
    )
    env = {**__import__("os").environ, "NEWS_ETL_CRASH_AT": "before_commit"}
    died = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert died.returncode == -9, died.stderr[-2000:]
    assert list((lake / "tables").rglob("*.parquet"))  # written, never committed
    assert _count(lake, "articles") == 0 and _count(lake, "ingest_runs") == 0

    summary = publish_run(settings, "dead-run", RUN_AT, RUN_AT)  # the retry
    assert summary.articles_published == 5
    assert _count(lake, "articles") == 5
    from news_etl.maintenance import maintain

    maintain(lake_of(lake), datetime.now(UTC) + timedelta(hours=2), 7, 7)  # the orphans' grace has passed
    referenced = {r[0] for r in _rows(lake, "select data_file from ducklake_list_files('lake', 'articles')")}
    on_disk = {str(p) for p in (lake / "tables" / "main" / "articles").rglob("*.parquet")}
    assert on_disk == referenced  # the dead transaction's files are gone


def test_readers_do_not_block_the_pipeline(seed_inbox: Path, lake: Path) -> None:
    _ingest(seed_inbox, lake, "run-1")
    with lakes.reader(lake_of(lake)) as reader:  # an analyst's open session, mid-transaction
        reader.execute("begin")
        assert reader.execute("select count(*) from articles").fetchone()[0] == 5
        (seed_inbox / "new.txt").write_text("A Later Story Arrives Today\n\n" + "More reporting words here. " * 20)
        summary = _ingest(seed_inbox, lake, "run-2", RUN_AT + timedelta(minutes=15))
        assert summary.articles_published == 1
        assert reader.execute("select count(*) from articles").fetchone()[0] == 5  # its snapshot, unchanged
        reader.execute("commit")
    assert _count(lake, "articles") == 6


def test_time_travel_shows_the_lake_before_a_publish(seed_inbox: Path, lake: Path) -> None:
    _ingest(seed_inbox, lake, "run-1")
    (first,) = _rows(lake, "select max(snapshot_id) from ducklake_snapshots('lake')")[0]
    (seed_inbox / "new.txt").write_text("A Later Story Arrives Today\n\n" + "More reporting words here. " * 20)
    _ingest(seed_inbox, lake, "run-2", RUN_AT + timedelta(minutes=15))
    assert _count(lake, "articles") == 6
    assert lakes.query(lake_of(lake), "select count(*) from articles", at=first)[1] == [(5,)]
    cli = [sys.executable, "-m", "news_etl.cli"]
    out = subprocess.run(
        [*cli, "sql", "select count(*) as n from articles", "--lake", str(lake), "--at", str(first)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0 and out.stdout.splitlines()[2].strip() == "5", out.stderr
    snaps = subprocess.run([*cli, "snapshots", "--lake", str(lake)], capture_output=True, text=True, timeout=120)
    assert snaps.returncode == 0 and "publish run-2" in snaps.stdout and "publish run-1" in snaps.stdout
    bad = subprocess.run(
        [*cli, "sql", "select 1", "--lake", str(lake), "--at", "999999"], capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 2 and "snapshot" in bad.stderr and "Traceback" not in bad.stderr


def test_cli_ingest_sql_and_summary(seed_inbox: Path, lake: Path) -> None:
    cli = [sys.executable, "-m", "news_etl.cli"]
    done = subprocess.run(
        [*cli, "ingest", "--inbox", str(seed_inbox), "--lake", str(lake)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout)["articles_published"] == 5
    assert "batch 1/1" in done.stderr  # progress is reported
    out = subprocess.run(
        [*cli, "sql", "select count(*) as n from articles", "--lake", str(lake)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0 and "5" in out.stdout.splitlines()[2]
    for name in example_queries():
        ex = subprocess.run(
            [*cli, "sql", "--example", name, "--lake", str(lake)], capture_output=True, text=True, timeout=120
        )
        assert ex.returncode == 0, ex.stderr
    bad = subprocess.run([*cli, "sql", "select * from nope", "--lake", str(lake)], capture_output=True, text=True)
    assert bad.returncode == 1 and "nope" in bad.stderr and "Traceback" not in bad.stderr
    missing = subprocess.run([*cli, "summary", "--lake", str(lake / "missing")], capture_output=True, text=True)
    assert missing.returncode == 2 and "run `news-etl ingest`" in missing.stderr
    summary = subprocess.run([*cli, "summary", "--lake", str(lake)], capture_output=True, text=True)
    assert summary.returncode == 0 and "Lee Bon-young" in summary.stdout


@pytest.mark.parametrize(("batch_size", "workers"), [(1, 1), (2, 1), (2, 2)])
def test_batching_does_not_change_the_result(seed_inbox: Path, tmp_path: Path, batch_size: int, workers: int) -> None:
    one = _ingest(seed_inbox, tmp_path / "a")
    settings = get_settings(batch_size=batch_size).with_paths(seed_inbox, tmp_path / "b")
    many = run_ingest(settings, "run-1", RUN_AT, clock=lambda: RUN_AT, workers=workers)  # processes when > 1
    assert one.articles_published == many.articles_published == 5
    q = "select article_id, body, title from articles order by 1"
    assert _rows(tmp_path / "a", q) == _rows(tmp_path / "b", q)


def test_site_furniture_repeated_across_files_is_removed(inbox: Path, lake: Path) -> None:
    site = inbox / "example-daily"
    site.mkdir()
    for n in range(4):
        fact = f"of story {n} reports a distinct fact about council matter {n}."
        prose = " ".join(f"Sentence {k} {fact}" for k in range(8))
        (site / f"story{n}.txt").write_text(
            f"{prose}\nSubscribe for unlimited access today\n{prose} More.\nCopyright Example Daily Media Group"
        )
    _ingest(inbox, lake)
    rows = _rows(lake, "select rule, count(*) from boilerplate_removed where rule = 'batch_repeat' group by 1")
    assert rows == [("batch_repeat", 8)]
    for (body,) in _rows(lake, "select body from articles"):
        assert "Subscribe for unlimited" not in body and "Copyright Example" not in body


def test_batches_are_bounded_in_bytes(seed_inbox: Path, lake: Path) -> None:
    settings = get_settings(max_batch_bytes=6000).with_paths(seed_inbox, lake)
    plan = plan_run(settings, "r", RUN_AT)
    sizes = {p.name: p.stat().st_size for p in seed_inbox.iterdir()}
    for batch in plan.batches:
        names = [f["source_path"] for f in RunStage(lake_of(lake), "r").read_json(batch.manifest)]
        assert len(names) == 1 or sum(sizes[n] for n in names) <= 6000
    assert sum(b.n_files for b in plan.batches) == 5 and len(plan.batches) > 1


def test_identical_files_in_one_run_publish_once_with_their_removals_once(inbox: Path, lake: Path) -> None:
    for name in ("a.txt", "b.txt", "c/a-copy.txt"):
        (inbox / name).parent.mkdir(exist_ok=True)
        shutil.copy(SEEDS / "001_d4a9da04ce5f80a8.txt", inbox / name)
    summary = _ingest(inbox, lake)
    assert (summary.articles_published, summary.files_duplicate) == (1, 2)
    assert _rows(lake, "select distinct source_path from boilerplate_removed") == [("a.txt",)]
    assert _rows(lake, "select count(*) from boilerplate_removed") == _rows(
        lake, "select sum(lines_removed) from articles"
    )


def test_abandoned_staging_is_pruned_after_the_retention(seed_inbox: Path, lake: Path) -> None:
    import os

    settings = get_settings().with_paths(seed_inbox, lake)  # retention: 7 days
    plan_run(settings, "abandoned", RUN_AT)  # planned, never processed or published
    old = lake / "staging" / run_slug("abandoned")
    stamp = (RUN_AT - timedelta(days=8)).timestamp()
    for p in old.rglob("*"):
        os.utime(p, (stamp, stamp))
    plan_run(settings, "early", RUN_AT - timedelta(days=2))  # 6 days after it: still kept
    assert old.is_dir()
    plan_run(settings, "next", RUN_AT)  # 8 days after it: gone, the other runs' staging stays
    assert not old.exists()
    assert (lake / "staging" / run_slug("early")).is_dir() and (lake / "staging" / run_slug("next")).is_dir()


def test_a_quarantined_file_is_reprocessed_after_a_fix(inbox: Path, lake: Path, tmp_path: Path) -> None:
    import os

    text = "Breaking Update Story Today\n\n" + "The agency confirmed the change on Monday in a statement. " * 5
    (inbox / "a.txt").write_text(text + "\nSUBSCRIBE NOW FOR MORE")
    rules = tmp_path / "rules.yaml"
    # A (bad) user rule removes every line: the body is empty and validation quarantines the article.
    rules.write_text("rules:\n  - name: too_greedy\n    pattern: '.'\n")
    _ingest(inbox, lake, "run-1", extra_rules=rules)
    assert _rows(lake, "select outcome from ingest_files") == [("quarantined",)]

    # The user fixes the rule and touches the file, as the README says: the next run publishes it.
    rules.write_text("rules:\n  - name: subscribe\n    pattern: '^subscribe now'\n")
    st = (inbox / "a.txt").stat()
    os.utime(inbox / "a.txt", ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    summary = _ingest(inbox, lake, "run-2", RUN_AT + timedelta(minutes=15), extra_rules=rules)
    assert summary.articles_published == 1 and summary.files_duplicate == 0
    assert _rows(lake, "select count(*) from articles where body like '%SUBSCRIBE%'") == [(0,)]


def test_a_run_takes_at_most_max_files_per_run_and_the_rest_follows(seed_inbox: Path, lake: Path) -> None:
    settings = get_settings(nlp=False, max_files_per_run=2).with_paths(seed_inbox, lake)
    plan = plan_run(settings, "capped", RUN_AT)
    assert plan.n_files == 2 and plan.n_waiting == 3
    summary = run_ingest(settings, "capped-cli", RUN_AT, clock=lambda: RUN_AT + timedelta(seconds=1))
    assert summary.runs == ("capped-cli", "capped-cli--2", "capped-cli--3")
    assert summary.articles_published == 5 and summary.files_seen == 5
    assert _count(lake, "articles") == 5 and _count(lake, "ingest_runs") == 3


@pytest.mark.parametrize(
    ("n_files", "batch_size", "max_batches", "expected"),
    [
        (0, 2000, 64, 0),
        (1, 2000, 64, 1),
        (2000, 2000, 64, 2000),
        (2001, 2000, 64, 1001),
        (20_000, 2000, 64, 2000),
        (20_000, 100, 64, 313),
        (240, 30, 64, 30),
    ],
)
def test_batches_follow_the_inbox_and_settings(n_files: int, batch_size: int, max_batches: int, expected: int) -> None:
    settings = get_settings(batch_size=batch_size, max_batches=max_batches)
    size = plan.batch_files(n_files, settings)
    assert size == expected
    if n_files:
        assert -(-n_files // size) <= max_batches


def test_batch_processes_use_the_workers_cpus_but_not_for_small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "available_cpus", lambda: 4)
    auto = get_settings(batch_processes=0)
    assert extract.batch_processes(auto, 10_000) == 4
    assert extract.batch_processes(auto, 250) == 2  # one process per 100 records at least
    assert extract.batch_processes(auto, 5) == 1
    assert extract.batch_processes(get_settings(batch_processes=1), 10_000) == 1


def test_a_batch_on_two_processes_equals_one_process(
    seed_inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool's chunks come back in order: the staged tables are the same row for row."""
    for n in range(6):  # a few more files so that several chunks exist
        (seed_inbox / f"extra-{n}.txt").write_text(f"Report {n}\n\n" + f"Officials met on day {n} to talk. " * 12)
    staged = {}
    for processes in (1, 2):
        lake = tmp_path / f"lake-{processes}"
        settings = get_settings(batch_processes=processes).with_paths(seed_inbox, lake)
        monkeypatch.setattr(extract, "MIN_RECORDS_PER_PROCESS", 1)
        monkeypatch.setattr(extract, "EXTRACT_CHUNK", 3)
        batch = plan_run(settings, "run-1", RUN_AT).batches[0]
        result = process_batch(settings, batch, RUN_AT)
        assert result.processes == processes
        out = lake / "staging" / run_slug("run-1") / "batch-00000"
        staged[processes] = {
            name: pq.read_table(out / f"{name}.parquet").to_pylist()
            for name in ("articles", "entities", "quotes", "boilerplate_removed", "article_vectors")
        }
    assert staged[1]["articles"] and staged[1]["entities"]
    assert staged[1] == staged[2]
