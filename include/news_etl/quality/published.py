"""Checks of published data: each published run's rows (articles, entities, quotes, removed lines, stories and
the per-source cleaning shares) against the published suites, through a GX Checkpoint per suite that also
builds the Data Docs. Results land in ``check_results`` (one row per expectation) and ``check_runs`` (one row
per checked run); a re-check replaces the run's rows.

Entry points: :func:`check_runs` (what ``news_quality_report`` and ``news-etl report`` call) and
:func:`check_published` (one run).
"""

from __future__ import annotations

import contextlib
import html
import logging
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from news_etl import lake as lakes
from news_etl.lake import Lake, data_docs_dir, gx_project_dir
from news_etl.quality.suites import build_suite, column_of, label, load_suites, quiet_gx, suite_variables
from news_etl.ruleset import RuleSet
from news_etl.settings import SQL_DIR

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunCheck:
    """One checked run: its ``check_runs`` row."""

    run_id: str
    checked_at: datetime
    expectations: int
    passed: int
    pass_rate: float
    failed_errors: tuple[str, ...]  # "suite: expectation(column)" of failed error-severity checks
    failed_warnings: tuple[str, ...]
    success: bool
    articles: int
    fill_title: float | None
    fill_authors: float | None
    fill_published_at: float | None
    fill_keywords: float | None

    def to_xcom(self) -> dict:
        return {
            **asdict(self),
            "checked_at": self.checked_at.isoformat(),
            "failed_errors": list(self.failed_errors),
            "failed_warnings": list(self.failed_warnings),
        }


@dataclass(frozen=True)
class ChecksResult:
    """What one report run checked: its runs, and every failed error named with its run."""

    lake: str
    checked: tuple[RunCheck, ...]
    data_docs: str | None  # the Data Docs' index page, when a run was checked

    @property
    def runs(self) -> list[str]:
        return [c.run_id for c in self.checked]

    @property
    def failed_errors(self) -> list[str]:
        return [f"run {c.run_id}: {e}" for c in self.checked for e in c.failed_errors]

    @property
    def success(self) -> bool:
        return not self.failed_errors

    def to_xcom(self) -> dict:
        return {
            "lake": self.lake,
            "runs": self.runs,
            "checked": [c.to_xcom() for c in self.checked],
            "failed_errors": self.failed_errors,
            "success": self.success,
            "data_docs": self.data_docs,
        }


#: Suites run over a published run, in report order (expectations/suites.yaml).
PUBLISHED_SUITES = ("articles_published", "entities", "quotes", "boilerplate_removed", "stories", "sources")
#: How far a source's share of removed lines may move outside what its earlier runs showed.
USUAL_RANGE_MARGIN = 0.10
#: Earlier runs a source needs before its usual range means anything.
USUAL_RANGE_MIN_RUNS = 3


#: Unchecked runs one report run picks up besides the runs its events name (the rest wait for the next one).
MAX_BACKLOG_CHECKS = 20


def runs_to_check(lake: Lake, named: list[str], backlog: int = MAX_BACKLOG_CHECKS) -> list[str]:
    """The runs a report run checks: every committed run its Asset events name (Airflow may hand one report
    run several events, e.g. after a pause), then committed runs that no check has seen yet, oldest first,
    at most ``backlog`` of them. Each published run so gets its quality check however events are batched."""
    runs = lakes.read(lake, "ingest_runs", ["run_id", "started_at"]).to_pylist()
    committed = {r["run_id"] for r in runs}
    checked = set(lakes.read(lake, "check_runs", ["run_id"]).column("run_id").to_pylist())
    out = [r for r in dict.fromkeys(named) if r in committed]
    for r in named:
        if r not in committed:
            log.warning("run %s named by an Asset event is not committed in %s; not checked", r, lake.folder)
    waiting = [
        r["run_id"]
        for r in sorted(runs, key=lambda r: (r["started_at"], r["run_id"]))
        if r["run_id"] not in checked and r["run_id"] not in out
    ]
    if len(waiting) > backlog:
        log.info(
            "%d published run(s) have no quality check yet; checking the oldest %d now, the rest next time",
            len(waiting),
            backlog,
        )
    return out + waiting[:backlog]


def check_runs(
    lake: Lake, named: list[str], checked_at: datetime, rules: RuleSet, backlog: int = MAX_BACKLOG_CHECKS
) -> ChecksResult:
    """:func:`check_published` for every run of :func:`runs_to_check` (the latest run when none is named and
    none is waiting, so a manual report still checks something; a named run that is not committed is not
    replaced by another). Returns the runs' summaries and their failed errors."""
    runs = runs_to_check(lake, named, backlog)
    if not runs and not named and (latest := latest_run_id(lake)) is not None:
        runs = [latest]
    checked = tuple(check_published(lake, run_id, checked_at, rules) for run_id in runs)
    return ChecksResult(
        lake=str(lake.folder),
        checked=checked,
        data_docs=str(data_docs_dir(lake.folder) / "index.html") if checked else None,
    )


def latest_run_id(lake: Lake) -> str | None:
    runs = lakes.read(lake, "ingest_runs", ["run_id", "started_at"]).to_pylist()
    return max(runs, key=lambda r: (r["started_at"], r["run_id"]))["run_id"] if runs else None


def _sources_frame(con, run_id: str):
    """Per source of the run: share of lines removed, and the range its earlier runs showed."""
    import pandas as pd

    rows = con.execute((SQL_DIR / "source_shares.sql").read_text(encoding="utf-8")).fetchall()
    current = {s: share for r, s, share in rows if r == run_id}
    history: dict[str, list[float]] = {}
    for r, s, share in rows:
        if r != run_id and share is not None:
            history.setdefault(s, []).append(float(share))
    out = []
    for source, share in sorted(current.items()):
        past = history.get(source, [])
        low: float | None = None
        high: float | None = None
        within = True  # no history yet: nothing to compare with
        if len(past) >= USUAL_RANGE_MIN_RUNS and share is not None:
            low, high = min(past) - USUAL_RANGE_MARGIN, max(past) + USUAL_RANGE_MARGIN
            within = low <= share <= high
        out.append(
            {
                "source": source,
                "share_removed": share,
                "usual_low": low,
                "usual_high": high,
                "within_usual_range": within,
            }
        )
    return pd.DataFrame(out, columns=["source", "share_removed", "usual_low", "usual_high", "within_usual_range"])


def published_frames(lake: Lake, run_id: str) -> dict[str, tuple[Any, str]]:
    """suite -> (DataFrame of the run's published rows, id column), the input of the published suites; all
    read in one session, so every suite sees the same snapshot."""
    return lakes.read_consistently(lake, lambda con: _published_frames(con, run_id), what="the published checks")


def _published_frames(con, run_id: str) -> dict[str, tuple[Any, str]]:
    def of_run(table: str, columns: list[str]):
        return lakes.read(con, table, columns, where="run_id = ?", params=[run_id])

    arts = of_run(
        "articles", ["article_id", "run_id", "title", "authors", "published_at", "ingested_at", "body", "keywords"]
    ).to_pandas()
    arts["has_authors"] = arts["authors"].map(lambda a: a is not None and len(a) > 0)
    arts["published_year"] = arts["published_at"].map(lambda t: None if t is None or t != t else t.year)
    arts["published_year"] = arts["published_year"].astype("Int64")
    stories = lakes.read(con, "stories").to_pandas()
    return {
        "articles_published": (arts.drop(columns=["authors"]), "article_id"),
        "entities": (
            of_run("entities", ["article_id", "entity_id", "run_id", "name", "label", "mention_count"]).to_pandas(),
            "article_id",
        ),
        "quotes": (
            of_run("quotes", ["quote_id", "article_id", "run_id", "quote", "start_offset", "end_offset"]).to_pandas(),
            "quote_id",
        ),
        "boilerplate_removed": (
            of_run("boilerplate_removed", ["article_id", "run_id", "rule", "line_text"]).to_pandas(),
            "article_id",
        ),
        "stories": (stories, "story_id"),
        "sources": (_sources_frame(con, run_id), "source"),
    }


def _file_context(project_dir: Path):
    quiet_gx()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    project_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(project_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    with contextlib.suppress(Exception):  # older configs cannot save this key; the bars are cosmetic
        context.variables.save()
    return context


def check_published(lake: Lake, run_id: str, checked_at: datetime, rules: RuleSet) -> RunCheck:
    """Validate a published run with a GX Checkpoint per suite, update the Data Docs, and write the results
    as the ``check_results`` and ``check_runs`` tables (idempotent: a re-check replaces the run's rows)."""
    quiet_gx()
    import great_expectations as gx
    from great_expectations.checkpoint import Checkpoint
    from great_expectations.core.run_identifier import RunIdentifier

    from news_etl import datadocs
    from news_etl.nlp.config import load_config as nlp_config
    from news_etl.schemas import CHECK_RESULTS, CHECK_RUNS, to_table

    frames = published_frames(lake, run_id)
    arts = frames["articles_published"][0]
    variables = {
        **suite_variables(rules),
        "article_ids": sorted(arts["article_id"].tolist()),
        "entity_labels": sorted(nlp_config().labels),
    }
    context = _file_context(gx_project_dir(lake.folder))
    source = context.data_sources.add_or_update_pandas("news_etl")
    suites = load_suites()
    rows: list[dict] = []
    for name in PUBLISHED_SUITES:
        df, _ = frames[name]
        try:
            asset = source.get_asset(name)
        except (LookupError, ValueError):
            asset = source.add_dataframe_asset(name)
        try:
            batch_def = asset.get_batch_definition("run")
        except (KeyError, LookupError, ValueError):
            batch_def = asset.add_batch_definition_whole_dataframe("run")
        suite = context.suites.add_or_update(build_suite(name, variables))
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch_def, suite=suite)
        )
        checkpoint = context.checkpoints.add_or_update(
            Checkpoint(
                name=f"news_{name}",
                validation_definitions=[definition],
                actions=[],
                result_format={"result_format": "SUMMARY"},
            )
        )
        if df.empty:
            for e in suites[name]:
                rows.append(
                    _check_row(
                        run_id,
                        name,
                        e["expectation"],
                        e.get("kwargs") or {},
                        e["severity"],
                        True,
                        {"element_count": 0, "unexpected_count": 0},
                        e.get("why"),
                        checked_at,
                    )
                )
            continue
        result = checkpoint.run(
            batch_parameters={"dataframe": df}, run_id=RunIdentifier(run_name=run_id, run_time=checked_at)
        )
        for key, validation in result.run_results.items():
            for r in validation.results:
                cfg = r.expectation_config
                if r.exception_info and r.exception_info.get("raised_exception"):
                    raise RuntimeError(
                        f"{name}: {label(cfg.type, dict(cfg.kwargs))} could not run: "
                        f"{r.exception_info.get('exception_message')}"
                    )
                meta = cfg.meta or {}
                rows.append(
                    _check_row(
                        run_id,
                        name,
                        cfg.type,
                        dict(cfg.kwargs),
                        meta.get("severity", "error"),
                        bool(r.success),
                        r.result or {},
                        meta.get("why"),
                        checked_at,
                    )
                )
            # GX writes observed and unexpected values into the Data Docs pages without escaping them: a
            # scraped "<script>" would run there. Escape them in the stored result the pages are built from
            # (after check_results took the values as they are).
            context.validation_results_store.set(key, escape_result_values(validation))
    context.build_data_docs()
    datadocs.make_offline(data_docs_dir(lake.folder))

    def named(r: dict) -> str:
        return f"{r['suite']}: {r['expectation']}({r['column_name'] or ''})"

    failed_errors = [named(r) for r in rows if not r["success"] and r["severity"] == "error"]
    failed_warnings = [named(r) for r in rows if not r["success"] and r["severity"] == "warn"]
    n = len(arts)

    def fill(series) -> float | None:
        return round(float(series.mean()), 4) if n else None

    run_row = {
        "run_id": run_id,
        "checked_at": checked_at,
        "expectations": len(rows),
        "passed": sum(r["success"] for r in rows),
        "pass_rate": round(sum(r["success"] for r in rows) / len(rows), 4) if rows else 1.0,
        "failed_errors": failed_errors,
        "failed_warnings": failed_warnings,
        "success": not failed_errors,
        "articles": n,
        "fill_title": fill(arts["title"].notna()),
        "fill_authors": fill(arts["has_authors"]),
        "fill_published_at": fill(arts["published_at"].notna()),
        "fill_keywords": fill(arts["keywords"].map(lambda k: k is not None and len(k) > 0)),
    }

    def write(con) -> None:  # a re-check replaces the run's rows, in one transaction
        con.execute(f"DELETE FROM {lakes.ALIAS}.main.check_results WHERE run_id = ?", [run_id])
        con.execute(f"DELETE FROM {lakes.ALIAS}.main.check_runs WHERE run_id = ?", [run_id])
        lakes.insert(con, "check_results", to_table(rows, CHECK_RESULTS))
        lakes.insert(con, "check_runs", to_table([run_row], CHECK_RUNS))

    lakes.transaction(lake, write, what=f"quality results of run {run_id}")
    log.info(
        "data quality of run %s: %d/%d expectations passed; failed errors: %s; warnings: %s",
        run_id,
        run_row["passed"],
        run_row["expectations"],
        failed_errors or "none",
        failed_warnings or "none",
    )
    return RunCheck(**{**run_row, "failed_errors": tuple(failed_errors), "failed_warnings": tuple(failed_warnings)})


def escape_result_values(validation):
    """An ``ExpectationSuiteValidationResult`` whose data values (observed values, unexpected lists and counts,
    exception messages) are HTML-escaped in place; expectation settings are ours and stay as they are."""
    for r in validation.results:
        if r.result:
            r.result = _escaped(r.result)
        if r.exception_info:
            r.exception_info = _escaped(r.exception_info)
    return validation


def _escaped(value: object) -> object:
    if isinstance(value, str):
        return html.escape(value, quote=True)
    if isinstance(value, dict):
        return {(_escaped(k) if isinstance(k, str) else k): _escaped(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_escaped(v) for v in value]
    return value


def _check_row(
    run_id: str,
    suite: str,
    kind: str,
    kwargs: dict,
    severity: str,
    success: bool,
    result: dict,
    why: str | None,
    checked_at: datetime,
) -> dict:
    observed = result.get("observed_value")
    pct = result.get("unexpected_percent")
    return {
        "run_id": run_id,
        "suite": suite,
        "expectation": kind,
        "column_name": column_of(kwargs),
        "severity": severity,
        "success": success,
        "element_count": int(result["element_count"]) if result.get("element_count") is not None else None,
        "unexpected_count": int(result["unexpected_count"]) if result.get("unexpected_count") is not None else None,
        "unexpected_percent": float(pct) if pct is not None else None,
        "observed": None if observed is None else str(observed)[:500],
        "why": why,
        "checked_at": checked_at,
    }
