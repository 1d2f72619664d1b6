"""Storage: the Parquet lake, its atomic writes, the commit protocol and the file ledger.

Layout::

    <lake>/<table>/ingest_date=YYYY-MM-DD/part-<run>--<tag>.parquet   published tables
    <lake>/_staging/<run>/...                                          work in progress of one run
    <lake>/_locks/publish.lock                                         one publisher at a time
    <lake>/catalog.duckdb                                              views for ad-hoc SQL

A run is committed when its ``ingest_runs`` file exists: that file is written last, under the publish
lock. Files of a run without it (a publisher killed half-way) are rolled back by the next publisher,
and the catalog's views only show committed runs, so readers never see half a run.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import re
import shutil
import signal
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from news_etl.schemas import TABLES

log = logging.getLogger(__name__)

STAGING = "_staging"
LOCKS = "_locks"
_PART = re.compile(r"^part-(?P<slug>[A-Za-z0-9_]+)--(?P<tag>[A-Za-z0-9_]+)\.parquet$")


def run_slug(run_id: str) -> str:
    """A file-name-safe, unique token for a run id (Airflow ids hold ':' and '+')."""
    safe = re.sub(r"[^A-Za-z0-9]+", "_", run_id).strip("_")[:60]
    digest = hashlib.sha256(run_id.encode()).hexdigest()[:10]
    return f"{safe}_{digest}" if safe else digest


def partition_dir(lake: Path, table: str, ingested_at: datetime) -> Path:
    return lake / table / f"ingest_date={ingested_at.date().isoformat()}"


def part_name(slug: str, tag: str) -> str:
    return f"part-{slug}--{tag}.parquet"


def fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be fsynced
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_parquet_atomic(table: pa.Table, path: Path) -> Path:
    """Write to a hidden temp name in the same folder, fsync, then rename into place.

    Readers globbing ``*.parquet`` never match the temp name, and the rename is atomic, so a reader
    sees either no file or the whole file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        pq.write_table(table, tmp, compression="zstd")
        crash_point(f"mid_write:{path.parent.parent.name}")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    fsync_dir(path.parent)
    return path


def read_parquet_files(paths: list[Path], schema: pa.Schema, columns: list[str] | None = None) -> pa.Table:
    if not paths:
        table = schema.empty_table()
        return table.select(columns) if columns else table
    tables = [pq.read_table(p, columns=columns, schema=schema) for p in paths]
    return pa.concat_tables(tables)


# --------------------------------------------------------------------------- published files


def table_files(lake: Path, table: str) -> list[Path]:
    root = lake / table
    if not root.is_dir():
        return []
    return sorted(p for p in root.glob("*/part-*.parquet") if _PART.match(p.name))


def slug_of(path: Path) -> str | None:
    m = _PART.match(path.name)
    return m.group("slug") if m else None


def committed_slugs(lake: Path) -> set[str]:
    return {s for p in table_files(lake, "ingest_runs") if (s := slug_of(p))}


def is_committed(lake: Path, run_id: str) -> bool:
    return run_slug(run_id) in committed_slugs(lake)


def committed_files(lake: Path, table: str) -> list[Path]:
    done = committed_slugs(lake)
    return [p for p in table_files(lake, table) if slug_of(p) in done]


def read_committed(lake: Path, table: str, columns: list[str] | None = None) -> pa.Table:
    return read_parquet_files(committed_files(lake, table), TABLES[table], columns)


def rollback_uncommitted(lake: Path, keep: set[str] = frozenset()) -> int:
    """Delete published files of runs that never committed (a publisher that died). Hold the lock."""
    done = committed_slugs(lake) | set(keep)
    removed = 0
    for table in TABLES:
        for p in table_files(lake, table):
            if slug_of(p) not in done:
                log.warning("rolling back %s: its run never committed", p)
                p.unlink(missing_ok=True)
                removed += 1
        # Temp files of a writer killed mid-write: hidden from readers, but they must not pile up.
        # Only publishers (holding this lock) write into table folders, so any temp file here is dead.
        root = lake / table
        if root.is_dir():
            for tmp in root.glob("**/.*.tmp"):
                log.warning("removing %s: left by a writer that died mid-write", tmp)
                tmp.unlink(missing_ok=True)
    return removed


def crash_point(name: str) -> None:
    """Die here, now, with SIGKILL, when ``NEWS_ETL_CRASH_AT`` names this point (crash tests only).

    A real kill at a precise point (mid-write, between a table and the commit marker) is how the crash
    tests show that a re-run ends with every article exactly once; mocking would prove nothing.
    """
    if os.environ.get("NEWS_ETL_CRASH_AT") == name:
        log.warning("crash point %s: killing this process (NEWS_ETL_CRASH_AT)", name)
        os.kill(os.getpid(), signal.SIGKILL)


@contextlib.contextmanager
def publish_lock(lake: Path, wait_log_seconds: float = 10.0) -> Iterator[None]:
    """An exclusive lock on the lake for publishing (POSIX flock; local disk or a shared FS with locks)."""
    lock_dir = lake / LOCKS
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / "publish.lock", "a+") as fh:
        start = time.monotonic()
        warned = False
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not warned and time.monotonic() - start > wait_log_seconds:
                    log.info("waiting for another run to finish publishing to %s", lake)
                    warned = True
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


# --------------------------------------------------------------------------- ledger


def ledger(lake: Path) -> pa.Table:
    """Every file a committed run has seen: path, size, mtime, content hash, outcome."""
    return read_committed(lake, "ingest_files", ["source_path", "size_bytes", "mtime_ns", "file_hash", "outcome"])


def known_file_keys(lake: Path) -> set[tuple[str, int, int]]:
    t = ledger(lake)
    return set(zip(t.column("source_path").to_pylist(), t.column("size_bytes").to_pylist(),
                   t.column("mtime_ns").to_pylist(), strict=True))


def known_hashes(lake: Path) -> dict[str, str]:
    """file_hash -> the source_path whose articles were published from those bytes.

    Quarantined files do not count: re-processing one after a fix to the rules or settings (``touch`` it)
    must not be turned away as a duplicate of itself.
    """
    t = ledger(lake)
    out: dict[str, str] = {}
    for h, path, outcome in zip(t.column("file_hash").to_pylist(), t.column("source_path").to_pylist(),
                                t.column("outcome").to_pylist(), strict=True):
        if h and outcome in ("published", "partial"):
            out.setdefault(h, path)
    return out


def known_content_hashes(lake: Path) -> dict[str, tuple[str, str]]:
    """content_hash -> (article_id, source_path) of the first published article with that normalised body."""
    t = read_committed(lake, "articles", ["content_hash", "article_id", "source_path", "ingested_at"])
    out: dict[str, tuple[str, str]] = {}
    rows = sorted(zip(t.column("ingested_at").to_pylist(), t.column("source_path").to_pylist(),
                      t.column("article_id").to_pylist(), t.column("content_hash").to_pylist(), strict=True))
    for _, path, article_id, content_hash in rows:
        out.setdefault(content_hash, (article_id, path))
    return out


def snapshot_path(lake: Path, table: str) -> Path:
    return lake / table / f"{table}.parquet"


def write_snapshot(lake: Path, table: str, data: pa.Table) -> Path:
    """Replace a snapshot table (stories) in one rename: readers see the old file or the new one."""
    return write_parquet_atomic(data, snapshot_path(lake, table))


# --------------------------------------------------------------------------- staging


def staging_dir(lake: Path, run_id: str) -> Path:
    return lake / STAGING / run_slug(run_id)


def clear_staging(lake: Path, run_id: str) -> None:
    shutil.rmtree(staging_dir(lake, run_id), ignore_errors=True)


def prune_staging(lake: Path, older_than: datetime, keep: str) -> list[str]:
    """Remove the staging folders of runs abandoned before ``older_than`` (never published, never retried)."""
    root = lake / STAGING
    if not root.is_dir():
        return []
    pruned = []
    cutoff = older_than.timestamp()
    for folder in root.iterdir():
        if folder.name == keep or not folder.is_dir():
            continue
        if folder.stat().st_mtime < cutoff:
            log.warning("removing staging of abandoned run %s (untouched since before %s)", folder.name, older_than)
            shutil.rmtree(folder, ignore_errors=True)
            pruned.append(folder.name)
    return pruned
