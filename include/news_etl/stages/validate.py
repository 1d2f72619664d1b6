"""The validate stage: the gate between extraction and publish. The Great Expectations suite runs on the run's
staged articles; an article that fails an error-severity expectation is quarantined (with the whole row as
its payload), the rest go on to publish.

Entry point :func:`validate_run` -> :class:`ValidationResult`.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from news_etl import duplicates, staging
from news_etl import lake as lakes
from news_etl.quality import gate
from news_etl.quarantine import quarantine_row
from news_etl.ruleset import load_rules
from news_etl.schemas import ARTICLES, GATE_RESULTS, QUARANTINE, STAGED_FILES, to_table
from news_etl.settings import Settings

log = logging.getLogger(__name__)

#: The run's staging folder of what passed the gate (publish reads it).
VALIDATED = "validated"


@dataclass(frozen=True)
class ValidationResult:
    """What the gate let through."""

    run_id: str
    articles_checked: int
    articles_passed: int
    articles_quarantined: int
    success: bool  # no error-severity expectation failed
    failed_expectations: tuple[str, ...]

    def to_xcom(self) -> dict:
        return {**asdict(self), "failed_expectations": list(self.failed_expectations)}

    @classmethod
    def from_xcom(cls, data: dict) -> ValidationResult:
        return cls(**{**data, "failed_expectations": tuple(data["failed_expectations"])})


def validate_run(settings: Settings, run_id: str, run_at: datetime) -> ValidationResult:
    """Run the GX suite on the run's staged articles; failing rows go to quarantine, not to publish."""
    lake = lakes.Lake.of(settings)
    stage = staging.RunStage(lake, run_id)
    articles = stage.read_batches("articles", ARTICLES)
    files = stage.read_batches("files", STAGED_FILES)
    # Identical files are duplicates, not validation failures: leave them out before checking ids.
    dup_paths = set(duplicates.file_duplicates(files, duplicates.published_hashes(lake, files)))
    articles = duplicates.without_paths(articles, dup_paths)

    rules = load_rules(settings.extra_rules)
    outcome = gate.validate_articles(articles, rules, run_id=run_id, validated_at=run_at)
    by_id: dict[str, list[gate.Failure]] = defaultdict(list)
    for failure in outcome.failures:
        by_id[failure.row_id].append(failure)
    quarantined = []
    failed = outcome.failed_ids
    failed_ids = pa.array(sorted(failed), pa.string())
    # Only the failing rows become Python objects: a run can hold many thousands of bodies.
    for row in articles.filter(pc.is_in(articles.column("article_id"), value_set=failed_ids)).to_pylist():
        for failure in by_id.get(row["article_id"], []):
            quarantined.append(
                quarantine_row(
                    run_id,
                    row["source_path"],
                    stage="validate",
                    code="expectation_failed",
                    at=run_at,
                    reason=f"{row['source_path']}: {failure.message}",
                    file_hash=row["file_hash"],
                    record_index=row["record_index"],
                    article_id=row["article_id"],
                    expectation=failure.expectation,
                    payload=json.dumps(row, default=str, ensure_ascii=False),
                )
            )
    passed = articles.filter(pc.invert(pc.is_in(articles.column("article_id"), value_set=failed_ids)))
    stage.write_table(f"{VALIDATED}/articles.parquet", passed)
    stage.write_table(f"{VALIDATED}/quarantine.parquet", to_table(quarantined, QUARANTINE))
    stage.write_table(f"{VALIDATED}/gate_results.parquet", to_table(outcome.results, GATE_RESULTS))
    result = ValidationResult(
        run_id=run_id,
        articles_checked=articles.num_rows,
        articles_passed=passed.num_rows,
        articles_quarantined=len(failed),
        success=outcome.success,
        failed_expectations=tuple(sorted({r["expectation"] for r in outcome.results if not r["success"]})),
    )
    log.info("validation of run %s: %s", run_id, result)
    return result
