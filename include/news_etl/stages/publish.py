"""The publish stage: a validated run's rows in every table, the ledger, the run row and the run's stories, in
one DuckLake transaction.

Entry point :func:`publish_run` -> :class:`PublishResult`. Duplicates are checked inside the transaction,
against the snapshot it sees: if a concurrent run commits the same bytes first, this commit conflicts and the
retry checks again (:func:`news_etl.lake.transaction`). A run already published is not published again.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import asdict, dataclass, fields
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from news_etl import duplicates, staging
from news_etl import lake as lakes
from news_etl.duplicates import first_per_key, with_ids, without_paths
from news_etl.schemas import (
    ARTICLE_VECTORS,
    ARTICLES,
    BOILERPLATE_REMOVED,
    ENTITIES,
    GATE_RESULTS,
    INGEST_FILES,
    INGEST_RUNS,
    QUARANTINE,
    QUOTES,
    STAGED_FILES,
    to_table,
)
from news_etl.settings import Settings
from news_etl.stages import stories
from news_etl.stages.validate import VALIDATED

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishResult:
    """The run's ``ingest_runs`` row, where it landed, and what its stories came to."""

    run_id: str
    inbox: str
    started_at: datetime
    finished_at: datetime
    files_seen: int
    files_published: int
    files_duplicate: int
    files_quarantined: int
    articles_published: int
    articles_quarantined: int
    articles_repaired: int | None
    lines_removed: int
    validation_success: bool
    status: str
    lake: str
    lake_store: str
    stories: int | None = None  # stories in the lake after this publish (None: stories off, or a re-publish)
    stories_seconds: float | None = None
    already_published: bool = False  # a retry found the run committed: nothing was written

    def to_xcom(self) -> dict:
        out = asdict(self)
        out["started_at"], out["finished_at"] = self.started_at.isoformat(), self.finished_at.isoformat()
        return out

    @classmethod
    def from_xcom(cls, data: dict) -> PublishResult:
        return cls(
            **{
                **data,
                "started_at": datetime.fromisoformat(data["started_at"]),
                "finished_at": datetime.fromisoformat(data["finished_at"]),
            }
        )


_RUN_FIELDS = [f.name for f in fields(PublishResult)][: len(INGEST_RUNS.names)]
assert INGEST_RUNS.names == _RUN_FIELDS, "PublishResult must start with the ingest_runs columns, in order"


def publish_run(settings: Settings, run_id: str, started_at: datetime, finished_at: datetime) -> PublishResult:
    """Publish a validated run in one transaction; a run already published returns its row (an Airflow retry)."""
    lake = lakes.Lake.of(settings)
    stage = staging.RunStage(lake, run_id)

    def publish(con) -> tuple[dict, stories.StoriesResult | None, bool]:
        existing = lakes.read(con, "ingest_runs", where="run_id = ?", params=[run_id]).to_pylist()
        if existing:
            return existing[0], None, False
        if not stage.exists(f"{VALIDATED}/articles.parquet"):
            raise RuntimeError(f"run {run_id} has not been validated: {stage.url}/{VALIDATED} is missing")
        outputs, run_row = run_outputs(con, stage, settings, run_id, started_at, finished_at)
        for table, data in outputs.items():
            lakes.insert(con, table, data)
            lakes.crash_point(f"after_insert:{table}")
        con.execute("CALL ducklake_set_commit_message(?, ?, ?)", [lakes.ALIAS, "news-etl", f"publish {run_id}"])
        if not settings.stories:  # NEWS_ETL_STORIES=off: the story tables stay as they are until a rebuild
            stories.mark_off(con)
            return run_row, None, True
        return run_row, stories.publish(con, run_id, started_at, outputs["articles"], outputs["article_vectors"]), True

    run_row, story_result, fresh = lakes.transaction(lake, publish, what=f"publish of run {run_id}")
    lakes.crash_point("after_commit")
    stage.clear()
    if not fresh:
        log.info("run %s was already published", run_id)
        return PublishResult(**run_row, lake=str(settings.lake), lake_store=lake.describe(), already_published=True)
    log.info(
        "published run %s: %d article(s), %d file(s) quarantined, %d duplicate(s); %s stories",
        run_id,
        run_row["articles_published"],
        run_row["files_quarantined"],
        run_row["files_duplicate"],
        story_result.stories if story_result else "no",
    )
    return PublishResult(
        **run_row,
        lake=str(settings.lake),
        lake_store=lake.describe(),
        stories=story_result.stories if story_result else None,
        stories_seconds=story_result.seconds if story_result else None,
    )


def run_outputs(
    con, stage: staging.RunStage, settings: Settings, run_id: str, started_at: datetime, finished_at: datetime
) -> tuple[dict[str, pa.Table], dict]:
    """What a run publishes, table by table, checked for duplicates against the snapshot ``con`` sees."""
    files = stage.read_batches("files", STAGED_FILES)
    dup_of = duplicates.file_duplicates(files, duplicates.published_hashes(con, files))
    dup_paths = set(dup_of)
    articles = without_paths(stage.read_table(f"{VALIDATED}/articles.parquet", ARTICLES), dup_paths)
    # The same body in other bytes (re-scraped page, another file name or format): published once.
    body_dup_of = duplicates.body_duplicates(articles, duplicates.published_bodies(con, articles))
    if body_dup_of:
        articles = articles.filter(
            pc.invert(pc.is_in(articles.column("article_id"), value_set=pa.array(sorted(body_dup_of), pa.string())))
        )
    published_ids = pa.array(sorted(set(articles.column("article_id").to_pylist())), pa.string())
    # Identical files share article ids: drop the duplicates' rows by path first, then keep published ids.
    removed = without_paths(stage.read_batches("boilerplate_removed", BOILERPLATE_REMOVED), dup_paths)
    removed = removed.filter(pc.is_in(removed.column("article_id"), value_set=published_ids))
    quarantine = without_paths(
        pa.concat_tables(
            [
                stage.read_batches("quarantine", QUARANTINE),
                stage.read_table(f"{VALIDATED}/quarantine.parquet", QUARANTINE),
            ]
        ),
        dup_paths,
    )
    # A run validated by the release before the tables were renamed left its gate results under the old name.
    gate_file = next(
        (
            f"{VALIDATED}/{name}.parquet"
            for name in ("gate_results", "validation_results")
            if stage.exists(f"{VALIDATED}/{name}.parquet")
        ),
        f"{VALIDATED}/gate_results.parquet",
    )
    results = stage.read_table(gate_file, GATE_RESULTS)
    body_dup_paths = {p: orig for _, (p, orig) in body_dup_of.items()}
    ledger = _ledger_rows(files, articles, quarantine, dup_of, body_dup_paths, run_id, started_at)
    outcomes = Counter(r["outcome"] for r in ledger)
    run_row = {
        "run_id": run_id,
        "inbox": str(settings.inbox),
        "started_at": started_at,
        "finished_at": finished_at,
        "files_seen": len(ledger),
        "files_published": outcomes["published"] + outcomes["partial"],
        "files_duplicate": outcomes["duplicate"],
        "files_quarantined": outcomes["quarantined"],
        "articles_published": articles.num_rows,
        # An article failing two expectations has two quarantine rows but is one article.
        "articles_quarantined": len(
            {
                r["article_id"]
                for r in quarantine.select(["stage", "article_id"]).to_pylist()
                if r["stage"] == "validate"
            }
        ),
        "articles_repaired": sum(1 for r in articles.column("repairs").to_pylist() if r),
        "lines_removed": removed.num_rows,
        "validation_success": all(r["success"] for r in results.to_pylist() if r["severity"] == "error"),
        "status": "success",
    }
    # Identical files in two batches share an article id: their NLP rows and vectors are kept once.
    outputs = {
        "articles": articles,
        "entities": first_per_key(
            with_ids(stage.read_batches("entities", ENTITIES), published_ids), ["article_id", "entity_id"]
        ),
        "quotes": first_per_key(with_ids(stage.read_batches("quotes", QUOTES), published_ids), ["quote_id"]),
        "article_vectors": first_per_key(
            with_ids(stage.read_batches("article_vectors", ARTICLE_VECTORS), published_ids), ["article_id"]
        ),
        "boilerplate_removed": removed,
        "quarantine": quarantine,
        "gate_results": results,
        "ingest_files": to_table(ledger, INGEST_FILES),
        "ingest_runs": to_table([run_row], INGEST_RUNS),
    }
    return outputs, run_row


def _ledger_rows(
    files: pa.Table,
    articles: pa.Table,
    quarantine: pa.Table,
    dup_of: dict[str, str],
    body_dup_paths: dict[str, str],
    run_id: str,
    at: datetime,
) -> list[dict]:
    """One ``ingest_files`` row per file the run read, with its outcome."""
    n_articles = Counter(articles.column("source_path").to_pylist())
    n_quarantined = Counter(quarantine.column("source_path").to_pylist())
    rows = []
    for f in files.to_pylist():
        path = f["source_path"]
        if path in body_dup_paths and not n_articles[path]:
            dup_of[path] = body_dup_paths[path]
        if path in dup_of:
            outcome = "duplicate"
        elif n_articles[path] and n_quarantined[path]:
            outcome = "partial"
        elif n_articles[path]:
            outcome = "published"
        else:
            outcome = "quarantined"
        rows.append(
            {
                "run_id": run_id,
                "source_path": path,
                "file_hash": f["file_hash"],
                "size_bytes": f["size_bytes"],
                "mtime_ns": f["mtime_ns"],
                "outcome": outcome,
                "duplicate_of": dup_of.get(path),
                "n_articles": n_articles[path],
                "n_quarantined": n_quarantined[path],
                "ingested_at": at,
            }
        )
    return rows
