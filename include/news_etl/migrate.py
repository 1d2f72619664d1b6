"""Import a lake in the earlier folder layout (one Parquet part per table per run, the run's ``ingest_runs`` part
as its commit marker) into the DuckLake lake, nothing lost and nothing half-published.

Earlier layout::

    <old>/<table>/ingest_date=YYYY-MM-DD/part-<run slug>--<tag>.parquet
    <old>/stories/stories.parquet, <old>/article_stories/article_stories.parquet   (derived: recomputed here)

A run counts when its ``ingest_runs`` part exists; parts of runs without one (a publisher that died) are
left out, as the earlier catalog's views left them out. Runs the lake already holds are skipped, so a
migration that was interrupted can simply be run again. Everything imported lands in one transaction.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from news_etl import lake as lakes
from news_etl.lake import Lake
from news_etl.schemas import TABLES

log = logging.getLogger(__name__)

_OLD_NAMES = {new: old for old, new in lakes.RENAMED.items()}
_PART = re.compile(r"^part-(?P<slug>[A-Za-z0-9_]+)--(?P<tag>[A-Za-z0-9_]+)\.parquet$")


def _glob_escape(path: str) -> str:
    """``path`` as a DuckDB file pattern matching only itself (DuckDB globs every path it reads)."""
    return re.sub(r"([\[*?])", r"[\1]", path)


def _parts(old: Path, table: str) -> dict[str, list[Path]]:
    """slug -> the table's part files of that run."""
    out: dict[str, list[Path]] = {}
    # The earlier layout named folders by the tables' names then (gate_results was validation_results).
    root = old / _OLD_NAMES.get(table, table)
    if root.is_dir():
        for p in sorted(root.glob("*/part-*.parquet")):
            if m := _PART.match(p.name):
                out.setdefault(m.group("slug"), []).append(p)
    return out


def committed_parts(old: Path) -> dict[str, list[Path]]:
    """table -> part files of committed runs (a run whose ``ingest_runs`` part exists)."""
    committed = set(_parts(old, "ingest_runs"))
    return {
        table: [p for slug, paths in sorted(_parts(old, table).items()) if slug in committed for p in paths]
        for table in TABLES
    }


def _slug(part: Path) -> str:
    """The run slug in a part file's name (every part listed by :func:`_parts` has one)."""
    m = _PART.match(part.name)
    if m is None:
        raise ValueError(f"{part} is not a part file of the earlier layout")
    return m.group("slug")


def _file_list(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + _glob_escape(str(p)).replace("'", "''") + "'" for p in paths) + "]"


@dataclass(frozen=True)
class MigrationResult:
    """What a migration imported, table by table."""

    runs_imported: int
    runs_already_there: int  # committed in the lake before (a re-run of the migration)
    rows: dict[str, int]
    stories: int | None  # stories after the rebuild (None: nothing imported)
    uncommitted_parts_left_out: int  # files of runs that never committed in the old lake
    seconds: float

    def to_xcom(self) -> dict:
        return asdict(self)


def migrate_from(lake: Lake, old: Path, at: datetime) -> MigrationResult:
    """Import every committed run of the earlier-layout lake at ``old``; returns rows imported per table.
    ``at``: the migration's time (of the story index rows and any story merge it records)."""
    from news_etl.stages import stories as story_stage

    old = Path(old)
    if not (old / "ingest_runs").is_dir():
        raise FileNotFoundError(f"{old} is not a lake in the earlier layout: it has no ingest_runs folder")
    started = time.perf_counter()
    parts = committed_parts(old)
    skipped_uncommitted = sum(len(v) for t in TABLES for v in _parts(old, t).values()) - sum(
        len(v) for v in parts.values()
    )

    def body(con: duckdb.DuckDBPyConnection) -> dict:
        present = {r for (r,) in con.execute(f"select run_id from {lakes.ALIAS}.main.ingest_runs").fetchall()}
        run_ids = _run_ids(con, parts["ingest_runs"])
        todo = {slug for slug, run_id in run_ids.items() if run_id not in present}
        counts: dict[str, int] = {}
        for table, schema in TABLES.items():
            paths = [p for p in parts[table] if _slug(p) in todo]
            if not paths:
                counts[table] = 0
                continue
            src = f"read_parquet({_file_list(paths)}, union_by_name = true, hive_partitioning = false)"
            have = {
                name for (name,) in con.execute(f"select column_name from (describe select * from {src})").fetchall()
            }
            # A column added since the part was written is NULL there, as the earlier views showed it.
            cols = ", ".join(name if name in have else f"null as {name}" for name in schema.names)
            before = lakes.scalar(con, f"select count(*) from {lakes.ALIAS}.main.{table}")
            con.execute(f"INSERT INTO {lakes.ALIAS}.main.{table} BY NAME SELECT {cols} FROM {src}")
            counts[table] = lakes.scalar(con, f"select count(*) from {lakes.ALIAS}.main.{table}") - before
            source_rows = lakes.scalar(con, f"select count(*) from {src}")
            if counts[table] != source_rows:  # cannot happen short of a bug: then nothing is committed
                raise RuntimeError(f"migrating {table}: {source_rows} rows read but {counts[table]} inserted")
        con.execute("CALL ducklake_set_commit_message(?, ?, ?)", [lakes.ALIAS, "news-etl", f"migrate from {old}"])
        stories = story_stage.rebuild(con, f"migrate from {old}", at) if counts.get("articles") else None
        return {
            "runs_imported": len(todo),
            "runs_already_there": len(run_ids) - len(todo),
            "rows": counts,
            "stories": stories.stories if stories else None,
        }

    done = lakes.transaction(lake, body, what=f"migration from {old}")
    result = MigrationResult(
        **done, uncommitted_parts_left_out=skipped_uncommitted, seconds=round(time.perf_counter() - started, 2)
    )
    log.info(
        "migrated %d run(s) from %s (%d already there, %d uncommitted part(s) left out): %s",
        result.runs_imported,
        old,
        result.runs_already_there,
        skipped_uncommitted,
        result.rows,
    )
    return result


def _run_ids(con: duckdb.DuckDBPyConnection, run_parts: list[Path]) -> dict[str, str]:
    """slug -> run id, read from each committed run's ``ingest_runs`` part."""
    out = {}
    for p in run_parts:
        rows = con.execute(f"select run_id from read_parquet({_file_list([p])})").fetchall()
        for (run_id,) in rows:
            out[_slug(p)] = run_id
    return out
