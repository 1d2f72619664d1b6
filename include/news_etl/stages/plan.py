"""The plan stage: find the inbox files no committed run has seen, and split them into batches.

Entry point :func:`plan_run` -> :class:`Plan`. The plan is written to the run's staging (``plan.json``) with
one manifest per batch; re-planning a run returns the same plan, so an Airflow retry never reshuffles batches
that mapped tasks may already have processed.
"""

from __future__ import annotations

import contextlib
import logging
import math
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import duckdb

from news_etl import duplicates, staging
from news_etl import lake as lakes
from news_etl.discovery import InboxFile, discover
from news_etl.schemas import INBOX_FOLDERS, to_table
from news_etl.settings import Settings
from news_etl.stages import settle
from news_etl.stages.extract import load_models

log = logging.getLogger(__name__)

PLAN_FILE = "plan.json"


def batch_dir(batch_no: int) -> str:
    """A batch's folder in the run's staging."""
    return f"batch-{batch_no:05d}"


@dataclass(frozen=True)
class Batch:
    """One mapped unit of work: the files listed in ``manifest`` (a path in the run's staging)."""

    run_id: str
    batch_no: int
    manifest: str
    n_files: int

    def to_xcom(self) -> dict:
        return asdict(self)

    @classmethod
    def from_xcom(cls, data: dict) -> Batch:
        return cls(
            run_id=data["run_id"],
            batch_no=int(data["batch_no"]),
            manifest=data["manifest"],
            n_files=int(data["n_files"]),
        )


@dataclass(frozen=True)
class Plan:
    """What a run will ingest. ``already_published``: the run committed before (a retry); nothing to do."""

    run_id: str
    batches: tuple[Batch, ...] = ()
    n_files: int = 0
    n_unchanged: int = 0  # files of this inbox already in the ledger, unchanged
    n_waiting: int = 0  # new files left for the next run (NEWS_ETL_MAX_FILES_PER_RUN)
    inbox: str | None = None
    lake: str | None = None
    staging: str | None = None
    run_at: str | None = None
    already_published: bool = False

    def to_xcom(self) -> dict:
        return {**asdict(self), "batches": [b.to_xcom() for b in self.batches]}

    @classmethod
    def from_xcom(cls, data: dict) -> Plan:
        return cls(**{**data, "batches": tuple(Batch.from_xcom(b) for b in data.get("batches", ()))})


def plan_run(settings: Settings, run_id: str, run_at: datetime) -> Plan:
    """Find new inbox files and split them into batches; write one manifest per batch."""
    settings.check_paths()
    load_models(settings)  # a broken model file fails the plan, before any batch starts
    lake = lakes.Lake.of(settings)
    # A writer's session: it creates the catalog and any missing table (a first run, or one whose first writer
    # was killed half-way), so every reader of this run finds the tables; the plan's lookups use it too.
    with contextlib.closing(lakes.connect(lake)) as con:
        return _plan(settings, lake, con, run_id, run_at)


def _plan(settings: Settings, lake: lakes.Lake, con, run_id: str, run_at: datetime) -> Plan:
    stage = staging.RunStage(lake, run_id)
    if duplicates.run_published(con, run_id):
        log.info("run %s is already published; nothing to plan", run_id)
        return Plan(run_id=run_id, already_published=True)
    existing = stage.read_json(PLAN_FILE)
    if existing is not None:
        log.info("reusing the existing plan of run %s", run_id)
        return Plan.from_xcom(existing)

    staging.prune(lake, run_at - timedelta(days=settings.staging_retention_days), keep=run_id)
    watermark = settings.discovery == "watermark"

    def discovered(con) -> tuple[dict[str, int], dict, dict[str, int], list[InboxFile]]:
        seen: dict[str, int] = {}
        marks = folder_marks(con, settings) if watermark else {}
        settled: dict[str, int] = {}
        files = list(
            discover(
                settings.inbox,
                lambda keys: duplicates.ledger_keys(con, keys),
                int(run_at.timestamp() * 1e9),
                settings.min_file_age_seconds,
                counts=seen,
                folder_marks=marks if watermark else None,
                settled=settled if watermark else None,
            )
        )
        return seen, marks, settled, files

    # The lookups read the ledger outside a transaction: when maintenance compacted it meanwhile, a lookup may
    # have read it empty (lakes.REWRITES) and files already ingested would look new. Then look again.
    what = f"planning run {run_id}"
    seen, marks, settled, files = lakes.retrying(lake, what, lambda: lakes.unrewritten(con, discovered, what))
    if watermark:
        record_folders(con, lake, settings, {d: m for d, m in settled.items() if marks.get(d) != m}, run_id, run_at)
    if settings.done_files != "keep" and seen["unchanged"]:
        # Files a run committed but did not move (it died after its commit): discovery skipped them as
        # unchanged; they leave the inbox now. Only then: a second walk when there is nothing to move is waste.
        settle.settle_inbox(settings, run_at)
    # A run holds its validated articles in memory to publish them: cap its size, the rest waits for the
    # next run (the next schedule, or the CLI's next round). Memory then stays flat however big the inbox.
    waiting = max(0, len(files) - settings.max_files_per_run)
    if waiting:
        log.info(
            "run %s takes the first %d new files; %d wait for the next run (NEWS_ETL_MAX_FILES_PER_RUN)",
            run_id,
            settings.max_files_per_run,
            waiting,
        )
        files = files[: settings.max_files_per_run]
    batches = tuple(
        Batch(
            run_id,
            batch_no,
            stage.write_json(f"{batch_dir(batch_no)}/manifest.json", [asdict(f) for f in chunk]),
            len(chunk),
        )
        for batch_no, chunk in enumerate(_split(files, settings))
    )
    plan = Plan(
        run_id=run_id,
        batches=batches,
        n_files=len(files),
        n_unchanged=seen["unchanged"],
        n_waiting=waiting,
        inbox=str(settings.inbox),
        lake=str(settings.lake),
        staging=stage.url,
        run_at=run_at.isoformat(),
    )
    if files:
        stage.write_json(PLAN_FILE, plan.to_xcom())
    log.info(
        "run %s: %d new or changed file(s) in %d batch(es); %d file(s) of %s already ingested and unchanged%s",
        run_id,
        len(files),
        len(batches),
        seen["unchanged"],
        settings.inbox,
        f"; {seen['too_young']} too recent (NEWS_ETL_MIN_FILE_AGE_SECONDS)" if seen["too_young"] else "",
    )
    return plan


def _split(files: list[InboxFile], settings: Settings) -> list[list[InboxFile]]:
    """Files in order, :func:`batch_files` at a time, a batch closing early at ``max_batch_bytes``."""
    size = batch_files(len(files), settings)
    chunks: list[list[InboxFile]] = []
    chunk_bytes = 0
    for f in files:
        if not chunks or len(chunks[-1]) >= size or chunk_bytes + f.size_bytes > settings.max_batch_bytes:
            chunks.append([])
            chunk_bytes = 0
        chunks[-1].append(f)
        chunk_bytes += f.size_bytes
    return chunks


def batch_files(n_files: int, settings: Settings) -> int:
    """Files per mapped batch for an inbox of ``n_files``: ``ceil(n / batch_size)`` batches, never more than
    ``max_batches``, then the files shared out evenly (2,001 files at 2,000 make two batches of ~1,000, not
    2,000 + 1). A batch also closes early when its bytes reach ``max_batch_bytes`` (it is held in memory)."""
    if n_files <= 0:
        return 0
    n_batches = min(settings.max_batches, math.ceil(n_files / settings.batch_size))
    return math.ceil(n_files / n_batches)


def folder_marks(con, settings: Settings) -> dict[str, int]:
    """Watermark discovery: folder -> the mtime it had when all its files were last found committed."""
    try:
        rows = con.execute(
            f"select folder, arg_max(mtime_ns, recorded_at) from {lakes.ALIAS}.main.inbox_folders "
            "where inbox = ? group by folder",
            [str(settings.inbox)],
        ).fetchall()
    except duckdb.CatalogException:  # a lake created before this table: nothing recorded yet
        return {}
    return dict(rows)


def record_folders(
    con, lake: lakes.Lake, settings: Settings, folders: dict[str, int], run_id: str, at: datetime
) -> None:
    """Record folders whose files are all committed (their own small commit: they are done whatever this run
    does next; a folder with a new file is recorded by a later run, once that file is committed)."""
    if not folders:
        return
    rows = to_table(
        [
            {"inbox": str(settings.inbox), "folder": d, "mtime_ns": m, "run_id": run_id, "recorded_at": at}
            for d, m in sorted(folders.items())
        ],
        INBOX_FOLDERS,
    )
    lakes.transaction(
        lake, lambda c: lakes.insert(c, "inbox_folders", rows), what="recording inbox folders", guard=False, con=con
    )
    log.info("watermark: %d inbox folder(s) recorded as done", len(folders))
