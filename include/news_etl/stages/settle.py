"""Done files leave the inbox: after a publish commits, its files are moved to an archive (or deleted).

For long-running deployments (``NEWS_ETL_DONE_FILES=archive`` or ``delete``): the inbox then holds only what
is new (and what was quarantined, left in place so that a fix to the rules or settings and a ``touch``
re-ingest it), so discovery never walks history.

A file is moved only when the ledger holds a committed outcome (published, partial or duplicate) for its
exact ``(path, size, mtime)``: never before its run commits, and never a file rewritten since (that one is
new and ingested again). A crash between the commit and the move loses nothing and publishes nothing twice:
the file is still in the inbox with the same key, discovery skips it as unchanged, and the next run's
:func:`settle_inbox` moves it.

Archive layout: ``<archive>/<YYYY-MM-DD of the ingest>/<path in the inbox>``; a second version of one path on
the same day is kept beside the first as ``<name>~2`` (and so on), never over it.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from news_etl import lake as lakes
from news_etl.discovery import discover
from news_etl.duplicates import file_keys
from news_etl.settings import Settings

log = logging.getLogger(__name__)

COMMITTED = ("published", "partial", "duplicate")


@dataclass(frozen=True)
class SettleResult:
    """What :func:`settle_inbox` did."""

    mode: str  # keep | archive | delete
    moved: int
    deleted: int
    changed_since: int  # committed paths whose file changed after the commit: left for the next run

    def to_xcom(self) -> dict:
        return asdict(self)

    @classmethod
    def from_xcom(cls, data: dict) -> SettleResult:
        return cls(**data)


def committed_files(con_or_lake, keys: list[tuple[str, int, int]]) -> dict[tuple[str, int, int], datetime]:
    """Which of these ``(path, size, mtime)`` a committed run published (or found a duplicate), and when."""
    outcomes = ", ".join(f"'{o}'" for o in COMMITTED)
    rows = lakes.lookup(
        con_or_lake,
        f"""
        select f.source_path, f.size_bytes, f.mtime_ns, max(f.ingested_at)
        from {lakes.ALIAS}.main.ingest_files as f
        join _keys
          on f.source_path = _keys.source_path and f.size_bytes = _keys.size_bytes and f.mtime_ns = _keys.mtime_ns
        where f.outcome in ({outcomes})
        group by all""",
        file_keys(keys),
    )
    return {(p, s, m): at for p, s, m, at in rows}


def _target(archive: Path, rel: str, day: str) -> Path:
    target = archive / day / rel
    n = 1
    while target.exists() or target.is_symlink():
        n += 1
        target = archive / day / f"{rel}~{n}"
    return target


def settle_inbox(settings: Settings, now: datetime) -> SettleResult:
    """Move (or delete) every inbox file whose outcome is committed; nothing when ``done_files`` is keep."""
    mode = settings.done_files
    if mode == "keep":
        return SettleResult(mode, 0, 0, 0)
    lake = lakes.Lake.of(settings)
    found: list[tuple[str, str, int, int]] = []  # (path on disk, path in the ledger, size, mtime)
    for f in discover(settings.inbox, set(), int(now.timestamp() * 1e9)):
        if not f.problem_code:
            found.append((f.fs_path or f.source_path, f.source_path, f.size_bytes, f.mtime_ns))
    done = committed_files(lake, [(p, s, m) for _, p, s, m in found]) if found else {}
    moved = deleted = changed = 0
    for on_disk, rel, size, mtime in found:
        at = done.get((rel, size, mtime))
        if at is None:
            continue
        src = settings.inbox / on_disk
        try:
            st = src.lstat()
        except FileNotFoundError:
            continue
        if (st.st_size, st.st_mtime_ns) != (size, mtime):  # rewritten just now: the next run ingests it
            changed += 1
            continue
        if mode == "delete":
            src.unlink()
            deleted += 1
            continue
        target = _target(settings.archive, on_disk, f"{at:%Y-%m-%d}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(os.fspath(src), os.fspath(target))  # a rename on one filesystem, else copy then delete
        moved += 1
    if moved or deleted:
        log.info(
            "inbox settled: %d file(s) %s", moved or deleted, f"moved to {settings.archive}" if moved else "deleted"
        )
    return SettleResult(mode, moved, deleted, changed)
