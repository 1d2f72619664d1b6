"""Ingest in one process, without Airflow (the CLI, tests and benchmarks): the stages in a loop.

:func:`run_ingest` runs plan, process (batches side by side on ``workers`` processes), validate, publish and
settle for one run, then further runs (``<run_id>--2``, ...) while files wait beyond
``NEWS_ETL_MAX_FILES_PER_RUN``. It logs progress per batch with a rate and an ETA.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from news_etl.settings import Settings
from news_etl.stages import extract, settle
from news_etl.stages.plan import Batch, plan_run
from news_etl.stages.process import BatchResult, process_batch
from news_etl.stages.publish import PublishResult, publish_run
from news_etl.stages.validate import validate_run

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    """What :func:`run_ingest` did, added up over its runs."""

    run_id: str  # the first run's id
    runs: tuple[str, ...]  # every run's id (more than one when files waited beyond the per-run cap)
    lake: str
    files_seen: int = 0
    files_published: int = 0
    files_duplicate: int = 0
    files_quarantined: int = 0
    articles_published: int = 0
    articles_quarantined: int = 0
    articles_repaired: int = 0
    lines_removed: int = 0
    validation_success: bool = True
    stories: int | None = None  # stories in the lake after the last run
    files_archived: int = 0
    files_deleted: int = 0
    nothing_new: bool = False  # no run had anything to ingest
    already_published: bool = False  # the run id was committed before (a re-run): nothing was written

    def to_xcom(self) -> dict:
        return {**asdict(self), "runs": list(self.runs)}


_SUMMED = (
    "files_seen",
    "files_published",
    "files_duplicate",
    "files_quarantined",
    "articles_published",
    "articles_quarantined",
    "articles_repaired",
    "lines_removed",
)


@dataclass(frozen=True)
class _Round:
    run_id: str
    published: PublishResult | None  # None: nothing new
    waiting: int
    settled: settle.SettleResult | None


def run_ingest(
    settings: Settings, run_id: str, run_at: datetime, clock: Callable[[], datetime], workers: int = 1
) -> IngestResult:
    """Ingest the inbox: one run, then further runs while files wait; the counts of all runs added up."""
    rounds = [_run_once(settings, run_id, run_at, clock, workers)]
    while rounds[-1].waiting:
        rounds.append(_run_once(settings, f"{run_id}--{len(rounds) + 1}", clock(), clock, workers))
    published = [r.published for r in rounds if r.published is not None]
    totals = {k: sum(getattr(p, k) or 0 for p in published) for k in _SUMMED}
    return IngestResult(
        run_id=run_id,
        runs=tuple(r.run_id for r in rounds),
        lake=str(settings.lake),
        **totals,
        validation_success=all(p.validation_success for p in published),
        stories=published[-1].stories if published else None,
        files_archived=sum(r.settled.moved for r in rounds if r.settled),
        files_deleted=sum(r.settled.deleted for r in rounds if r.settled),
        nothing_new=not published,
        already_published=any(p.already_published for p in published),
    )


def _run_once(settings: Settings, run_id: str, run_at: datetime, clock: Callable[[], datetime], workers: int) -> _Round:
    plan = plan_run(settings, run_id, run_at)
    if plan.already_published:
        published = publish_run(settings, run_id, run_at, clock())
        return _Round(run_id, published, 0, settle.settle_inbox(settings, clock()))
    if not plan.batches:
        log.info("nothing new in %s", settings.inbox)
        return _Round(run_id, None, 0, None)
    _process(settings, plan.batches, run_at, workers)
    validate_run(settings, run_id, run_at)
    published = publish_run(settings, run_id, run_at, clock())
    return _Round(run_id, published, plan.n_waiting, settle.settle_inbox(settings, clock()))


def _process(settings: Settings, batches: tuple[Batch, ...], run_at: datetime, workers: int) -> None:
    total = sum(b.n_files for b in batches)
    done_files = 0
    t0 = time.perf_counter()

    def report(result: BatchResult) -> None:
        nonlocal done_files
        done_files += result.files
        elapsed = time.perf_counter() - t0
        rate = done_files / elapsed if elapsed else 0.0
        eta = (total - done_files) / rate if rate else 0.0
        log.info(
            "batch %d/%d: %d files -> %d articles, %d quarantined | %d/%d files, %.0f files/s, ETA %.0fs",
            result.batch_no + 1,
            len(batches),
            result.files,
            result.articles,
            result.quarantined,
            done_files,
            total,
            rate,
            eta,
        )

    if workers > 1 and len(batches) > 1:
        # Processes, not threads: trafilatura and the regex-heavy cleaner are CPU-bound and not thread-safe.
        # forkserver, not fork: workers start from a small clean process instead of a copy of this one,
        # whose heap grows with each round's validation and publish.
        # Batches side by side already use the cores: one process per batch, no pool inside each.
        one_each = replace(settings, batch_processes=1)
        with ProcessPoolExecutor(max_workers=workers, mp_context=extract.forkserver()) as pool:
            for result in pool.map(_process_in_worker, [(one_each, b, run_at) for b in batches]):
                report(result)
    else:
        for b in batches:
            report(process_batch(settings, b, run_at))


def _process_in_worker(args: tuple[Settings, Batch, datetime]) -> BatchResult:
    settings, batch, run_at = args
    return process_batch(settings, batch, run_at)
