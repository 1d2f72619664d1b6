"""news-etl migrate: a lake of the earlier folder layout into the DuckLake, every committed run, nothing else.

``tests/data/old_lake`` was written by the release before DuckLake (two committed runs of the seeds, with
NLP and a quality check), plus an articles part of a run that never committed (no ``ingest_runs`` part).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa

from news_etl import lake as lakes
from news_etl.migrate import committed_parts, migrate_from
from news_etl.schemas import TABLES

from .conftest import RUN_AT, lake_of

OLD = Path(__file__).parent / "data" / "old_lake"


def _old_rows(table: str) -> pa.Table:
    """The committed rows of ``table`` as the earlier catalog's views showed them (hive column aside)."""
    paths = committed_parts(OLD)[table]
    if not paths:
        return TABLES[table].empty_table()
    con = duckdb.connect()
    files = "[" + ", ".join(f"'{p}'" for p in paths) + "]"
    have = {r[0] for r in con.execute(f"describe select * from read_parquet({files}, union_by_name = true)").fetchall()}
    cols = ", ".join(c if c in have else f"null as {c}" for c in TABLES[table].names)
    return (
        con.execute(f"select {cols} from read_parquet({files}, union_by_name = true, hive_partitioning = false)")
        .to_arrow_table()
        .cast(TABLES[table])
    )


def _sorted(t: pa.Table) -> list[dict]:
    return sorted(t.to_pylist(), key=lambda r: json.dumps(r, sort_keys=True, default=str))


def test_every_committed_run_is_imported_row_for_row_and_nothing_uncommitted(tmp_path: Path) -> None:
    lake = lake_of(tmp_path / "lake")
    result = migrate_from(lake, OLD, RUN_AT)
    assert result.runs_imported == 2 and result.uncommitted_parts_left_out == 1
    for table in TABLES:
        old, new = _old_rows(table), lakes.read(lake, table)
        assert new.num_rows == old.num_rows, table
        assert _sorted(new) == _sorted(old), f"{table} differs after the migration"
    assert lakes.read(lake, "articles").num_rows == 5  # the uncommitted run's copy of run 2 is not there
    assert lakes.query(lake, "select sum(n_articles) from stories")[1] == [(5,)]  # recomputed

    again = migrate_from(lake, OLD, RUN_AT)  # re-runnable: nothing imported twice
    assert again.runs_imported == 0 and again.runs_already_there == 2
    assert lakes.read(lake, "articles").num_rows == 5


def test_the_cli_migrates_and_refuses_a_folder_that_is_not_a_lake(tmp_path: Path) -> None:
    old = tmp_path / "old [copy]"  # glob characters in the path are plain characters
    shutil.copytree(OLD, old)
    cli = [sys.executable, "-m", "news_etl.cli"]
    done = subprocess.run(
        [*cli, "migrate", "--from", str(old), "--lake", str(tmp_path / "lake")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["rows"]["articles"] == 5
    bad = subprocess.run(
        [*cli, "migrate", "--from", str(tmp_path), "--lake", str(tmp_path / "lake2")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 2 and "not a lake in the earlier layout" in bad.stderr
