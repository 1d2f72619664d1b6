"""The validation gate: the ``articles`` suite over a run's staged articles, before publish.

Row-level failures come back as ids, so the validate stage (:mod:`news_etl.stages.validate`) quarantines
exactly the rows that failed an ``error`` expectation. Results become ``gate_results`` rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from news_etl.quality.suites import build_suite, column_of, label, load_suites, quiet_gx, suite_variables
from news_etl.ruleset import RuleSet


@dataclass(frozen=True)
class Failure:
    row_id: str
    expectation: str
    message: str


@dataclass
class Outcome:
    failures: list[Failure] = field(default_factory=list)
    results: list[dict] = field(default_factory=list)

    @property
    def failed_ids(self) -> set[str]:
        return {f.row_id for f in self.failures}

    @property
    def success(self) -> bool:
        return all(r["success"] for r in self.results if r["severity"] == "error")


class _SuiteValidator:
    """One ephemeral GX context and suite, validating any number of DataFrames (chunks of one run)."""

    def __init__(self, suite_name: str, *, id_column: str, variables: dict[str, object]) -> None:
        quiet_gx()
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        self.suite_name, self.id_column = suite_name, id_column
        self.entries = load_suites()[suite_name]
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            progress_bars=ProgressBarsConfig(globally=False),
            analytics_enabled=False,
        )
        context = gx.get_context(mode="ephemeral", project_config=config)
        asset = context.data_sources.add_pandas("news_etl").add_dataframe_asset(suite_name)
        self.batch_definition = asset.add_batch_definition_whole_dataframe("run")
        self.suite = context.suites.add(build_suite(suite_name, variables))

    def validate(self, df, *, run_id: str, validated_at: datetime) -> Outcome:
        outcome = Outcome()
        if df.empty:
            for e in self.entries:
                outcome.results.append(_result_row(run_id, self.suite_name, e, True, 0, 0, validated_at))
            return outcome
        batch = self.batch_definition.get_batch(batch_parameters={"dataframe": df})
        result = batch.validate(
            self.suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [self.id_column]}
        )
        for r in result.results:
            cfg = r.expectation_config
            if cfg is None:  # GX sets it on every result of a suite's validation
                raise RuntimeError(f"suite {self.suite_name}: a result without its expectation")
            meta = cfg.meta or {}
            kwargs = dict(cfg.kwargs)
            name = label(cfg.type, kwargs)
            if r.exception_info and r.exception_info.get("raised_exception"):
                raise RuntimeError(f"expectation {name} could not run: {r.exception_info.get('exception_message')}")
            res = r.result or {}
            entry = {
                "expectation": cfg.type,
                "kwargs": kwargs,
                "severity": meta.get("severity", "error"),
                "why": meta.get("why", ""),
            }
            outcome.results.append(
                _result_row(
                    run_id,
                    self.suite_name,
                    entry,
                    bool(r.success),
                    res.get("element_count"),
                    res.get("unexpected_count"),
                    validated_at,
                )
            )
            if not r.success and entry["severity"] == "error":
                for item in res.get("unexpected_index_list") or []:
                    row_id = item.get(self.id_column) if isinstance(item, dict) else None
                    if row_id is None:
                        continue
                    value = {k: v for k, v in item.items() if k != self.id_column}
                    outcome.failures.append(Failure(str(row_id), name, f"failed {name}: value {_short(value)}"))
        return outcome


def validate_frame(
    df,  # pandas.DataFrame
    suite_name: str,
    *,
    id_column: str,
    run_id: str,
    validated_at: datetime,
    variables: dict[str, object],
) -> Outcome:
    """Validate ``df`` with the named suite; return per-expectation results and failing row ids."""
    if df.empty:  # no GX context needed for nothing
        outcome = Outcome()
        for e in load_suites()[suite_name]:
            outcome.results.append(_result_row(run_id, suite_name, e, True, 0, 0, validated_at))
        return outcome
    validator = _SuiteValidator(suite_name, id_column=id_column, variables=variables)
    return validator.validate(df, run_id=run_id, validated_at=validated_at)


def _short(value: object, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _result_row(
    run_id: str,
    suite: str,
    entry: dict,
    success: bool,
    element_count: Any,
    unexpected_count: Any,
    validated_at: datetime,
) -> dict:
    return {
        "run_id": run_id,
        "suite": suite,
        "expectation": entry["expectation"],
        "column_name": column_of(entry.get("kwargs") or {}),
        "severity": entry["severity"],
        "success": success,
        "element_count": int(element_count) if element_count is not None else None,
        "unexpected_count": int(unexpected_count) if unexpected_count is not None else None,
        "why": entry.get("why"),
        "validated_at": validated_at,
    }


ARTICLE_CHECK_COLUMNS = ["article_id", "title", "body", "word_count", "published_at", "ingested_at", "language"]

#: Articles validated at once: bounds the memory of the pandas copy GX needs (bodies included).
VALIDATION_CHUNK_ROWS = 5000


def validate_articles(
    articles, rules: RuleSet, *, run_id: str, validated_at: datetime, chunk_rows: int = VALIDATION_CHUNK_ROWS
) -> Outcome:
    """The ``articles`` suite over a pyarrow table of staged articles, ``chunk_rows`` rows at a time.

    Results are summed over the chunks. Uniqueness of ``article_id`` is also checked over the whole run
    (a duplicate split across two chunks is caught too), from the id column alone.
    """
    import pyarrow.compute as pc

    validator = _SuiteValidator("articles", id_column="article_id", variables=suite_variables(rules))
    merged: dict[tuple, dict] = {}
    failures: list[Failure] = []
    order: list[tuple] = []
    for start in range(0, max(articles.num_rows, 1), chunk_rows):
        chunk = articles.slice(start, chunk_rows).select(ARTICLE_CHECK_COLUMNS).to_pandas()
        part = validator.validate(chunk, run_id=run_id, validated_at=validated_at)
        failures += part.failures
        for r in part.results:
            key = (r["suite"], r["expectation"], r["column_name"])
            if key not in merged:
                merged[key] = dict(r)
                order.append(key)
                continue
            m = merged[key]
            m["success"] = m["success"] and r["success"]
            for k in ("element_count", "unexpected_count"):
                if r[k] is not None:
                    m[k] = (m[k] or 0) + r[k]
    if articles.num_rows > chunk_rows:
        counts = pc.value_counts(articles.column("article_id"))
        dup_ids = [v["values"] for v in counts.to_pylist() if v["counts"] > 1]
        if dup_ids:
            name = "expect_column_values_to_be_unique(article_id)"
            flagged = {f.row_id for f in failures if f.expectation == name}
            failures += [
                Failure(i, name, f"failed {name}: value {{'article_id': {i!r}}}") for i in dup_ids if i not in flagged
            ]
            key = ("articles", "expect_column_values_to_be_unique", "article_id")
            if key in merged:
                merged[key]["success"] = False
                merged[key]["unexpected_count"] = int(sum(v["counts"] for v in counts.to_pylist() if v["counts"] > 1))
    return Outcome(failures=failures, results=[merged[k] for k in order])
