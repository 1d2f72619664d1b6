"""The lake's own edges: formats it must refuse, a catalog it cannot reach or that stays locked, the macro and
the ATTACH line other DuckDB sessions use."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from news_etl import lake as lakes
from news_etl.runner import run_ingest
from news_etl.settings import ConfigError, get_settings

from .conftest import RUN_AT, free_port, lake_of


def test_a_lake_written_by_a_newer_news_etl_is_refused_unchanged(tmp_path: Path) -> None:
    lake = lake_of(tmp_path / "lake")
    lakes.transaction(
        lake, lambda con: con.execute("update lake._meta.lake_state set value = '99' where key = 'format'"), guard=False
    )
    with pytest.raises(ConfigError, match="newer news-etl"):
        lakes.connect(lake)
    with pytest.raises(ConfigError, match="newer news-etl"):
        lakes.query(lake, "select 1")


def test_a_catalog_of_a_newer_ducklake_format_is_refused(tmp_path: Path) -> None:
    lake = lake_of(tmp_path / "lake")
    lakes.connect(lake).close()
    with sqlite3.connect(lake.sqlite_file()) as db:
        db.execute("update ducklake_metadata set value = '9.9' where key = 'version'")
    with pytest.raises(ConfigError, match="DuckLake"):
        lakes.connect(lake, read_only=True)


def test_an_unreachable_catalog_names_the_setting(tmp_path: Path) -> None:
    catalog = f"postgres:dbname=lake host=127.0.0.1 port={free_port()} user=lake connect_timeout=2"
    lake = lakes.Lake.of(get_settings(catalog=catalog).with_paths(lake=tmp_path / "lake"))
    with pytest.raises(lakes.LakeError, match="NEWS_ETL_CATALOG"):
        lakes.connect(lake)


def test_a_catalog_that_stays_locked_fails_the_publish_whole_and_a_retry_publishes(
    seed_inbox: Path, tmp_path: Path
) -> None:
    settings = get_settings(nlp=False, publish_retries=2).with_paths(seed_inbox, tmp_path / "lake")
    lake = lakes.Lake.of(settings)
    lakes.connect(lake).close()
    # Another process holding the catalog's write lock (in this process SQLite's POSIX locks would not
    # exclude a second SQLite library: the lock must come from elsewhere, as it would in production).
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sqlite3, sys, time\n"
                f"db = sqlite3.connect({str(lake.sqlite_file())!r}, isolation_level=None)\n"
                "db.execute('begin exclusive')\nprint('locked', flush=True)\ntime.sleep(120)\n"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(lakes.LakeError, match="busy"):
            run_ingest(settings, "locked", RUN_AT, clock=lambda: RUN_AT)
    finally:
        holder.kill()
        holder.wait()
    assert lakes.read(lake, "articles").num_rows == 0 and lakes.read(lake, "ingest_runs").num_rows == 0
    summary = run_ingest(settings, "locked", RUN_AT, clock=lambda: RUN_AT)  # Airflow's retry of the task
    assert summary.articles_published == 5


def test_any_duckdb_session_opens_the_lake_with_the_printed_lines(seed_inbox: Path, tmp_path: Path) -> None:
    settings = get_settings(nlp=False).with_paths(seed_inbox, tmp_path / "lake")
    run_ingest(settings, "r1", RUN_AT, clock=lambda: RUN_AT)
    out = subprocess.run(
        [sys.executable, "-m", "news_etl.cli", "attach", "--lake", str(settings.lake)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    con = duckdb.connect()  # a plain session: unsigned extensions stay refused
    for line in out.stdout.splitlines():
        if line.strip() and not line.startswith("--"):
            con.execute(line)
    assert con.execute("select count(*) from articles").fetchone() == (5,)
    # The macro lives in the catalog: the same rule as articles.source_of in Python.
    assert con.execute("select source_of(null, 'outlet/a.txt'), source_of('Reuters', 'a.txt')").fetchone() == (
        "outlet",
        "Reuters",
    )
    with pytest.raises(duckdb.Error):  # read-only
        con.execute("delete from articles")


def test_a_lake_with_the_old_table_names_is_renamed_with_its_rows(seed_inbox: Path, tmp_path: Path) -> None:
    """A lake written before validation_results / dq_results / dq_runs were renamed keeps its rows: the first
    writer session renames the tables, and a new run appends to them."""
    settings = get_settings(nlp=False, stories=False).with_paths(seed_inbox, tmp_path / "lake")
    run_ingest(settings, "old", RUN_AT, clock=lambda: RUN_AT)
    lake = lake_of(settings.lake)

    def rename_back(con) -> None:
        for old, new in lakes.RENAMED.items():
            con.execute(f"ALTER TABLE lake.main.{new} RENAME TO {old}")

    lakes.transaction(lake, rename_back, guard=False)
    with lakes.reader(lake) as con:
        assert con.execute("select count(*) from validation_results").fetchone()[0] == 8
    lakes._ENSURED.clear()  # a new process: it has not looked at this lake's tables yet
    (seed_inbox / "extra.txt").write_text("A new article. " * 40)
    run_ingest(settings, "new", RUN_AT.replace(hour=13), clock=lambda: RUN_AT.replace(hour=13))
    with lakes.reader(lake) as con:
        sql = "select table_name from duckdb_tables() where database_name = 'lake'"
        tables = {t for (t,) in con.execute(sql).fetchall()}
        assert not tables & set(lakes.RENAMED) and set(lakes.RENAMED.values()) <= tables
        runs = con.execute("select run_id, count(*) from gate_results group by 1 order by 1").fetchall()
    assert runs == [("new", 8), ("old", 8)]


def test_a_first_writer_whose_tables_another_created_meanwhile_tries_again(tmp_path: Path) -> None:
    """Two first writers creating the tables at once: DuckLake fails the later commit with a catalog it cannot
    load ("table with id 29 references schema id 1 that does not exist"; 1 in 45 first sessions of three started
    together, and once in CI). Creating the tables tries again; any other commit keeps failing at once."""
    raced = duckdb.TransactionException(
        "TransactionContext Error: Failed to commit: Failed to commit DuckLake transaction.\n"
        "Failed to load DuckLake - table with id 29 references schema id 1 that does not exist"
    )
    lake = lake_of(tmp_path / "lake")
    calls = []

    def create() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise raced
        return "created"

    assert lakes.retrying(lake, "creating", create, also=lakes._creation_race) == "created" and len(calls) == 2
    calls.clear()
    with pytest.raises(duckdb.TransactionException, match="references schema id"):
        lakes.retrying(lake, "publish", create)  # a publish is not the tables' creation: no guess that it raced
    full = duckdb.TransactionException("Failed to commit DuckLake transaction.\nIO Error: No space left on device")
    assert not lakes._creation_race(full)  # another reason to fail a commit: no retry
    # For real: three first sessions at once on a new catalog each end with every table there.
    code = (
        "import sys; from pathlib import Path; from news_etl import lake as L; "
        "d = sys.argv[1]; L.connect(L.Lake(folder=Path(d), catalog='sqlite:' + d + '/catalog.sqlite', "
        "data_root=d)).close()"
    )
    folder = tmp_path / "race"
    folder.mkdir()
    procs = [subprocess.Popen([sys.executable, "-c", code, str(folder)], stderr=subprocess.PIPE) for _ in range(3)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()[-2000:]


def test_a_new_catalog_switches_to_wal_once_another_process_lets_go(tmp_path: Path) -> None:
    """Two first runs at once: the catalog file one of them created is locked by it for a moment; the other
    backs off and tries again, as for any busy commit, instead of failing with "database is locked" (a CI run
    once failed so)."""
    import threading

    path = tmp_path / "catalog.sqlite"
    holder = sqlite3.connect(path, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")  # what the other run holds while it creates the catalog's tables
    timer = threading.Timer(1.0, holder.rollback)
    timer.start()
    lake = lake_of(tmp_path / "lake")
    try:
        # One attempt that does not wait for the lock: the lake's error, naming SQLite's.
        with pytest.raises(lakes.LakeError, match="database is locked"):
            lakes.retrying(replace(lake, retries=1), "switching", lambda: lakes.set_wal(path, timeout=0.05))
        lakes.retrying(lake, "switching", lambda: lakes.set_wal(path, timeout=0.05))
    finally:
        timer.join()
        holder.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
