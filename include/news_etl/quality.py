"""Quality: run the Great Expectations Core suites (``rules/expectations.yaml``) on a run's rows.

GX is called directly (an ephemeral context, a pandas datasource) rather than through the Airflow
provider, which cannot be installed beside Airflow 3.3.1+. Row-level failures come back as ids so
the caller can quarantine exactly the rows that failed an ``error`` expectation.
"""

from __future__ import annotations

import contextlib
import html
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import yaml

from news_etl.cleaning import RuleSet
from news_etl.lake import Lake
from news_etl.settings import RULES_DIR, SQL_DIR

log = logging.getLogger(__name__)

SUITES_FILE = RULES_DIR / "expectations.yaml"
SEVERITIES = {"error", "warn"}


@dataclass
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


@lru_cache(maxsize=1)
def load_suites() -> dict[str, list[dict]]:
    with open(SUITES_FILE, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    suites = doc.get("suites") or {}
    for name, entries in suites.items():
        for e in entries:
            if e.get("severity") not in SEVERITIES:
                raise ValueError(f"suite {name}: {e.get('expectation')} needs severity error or warn")
    return suites


def _quiet_gx() -> None:
    # GX logs an INFO line per registered function at import; that floods Airflow task logs.
    for name in ("great_expectations", "great_expectations.expectations.registry"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _resolve(value: object, variables: dict[str, object]) -> object:
    if isinstance(value, str) and value.startswith("$"):
        if value[1:] not in variables:
            raise KeyError(f"unknown suite variable {value}")
        return variables[value[1:]]
    return value


def _label(kind: str, kwargs: dict) -> str:
    cols = [str(kwargs[k]) for k in ("column", "column_A", "column_B") if k in kwargs]
    return f"{kind}({', '.join(cols)})"


def _suite_variables(rules: RuleSet) -> dict[str, object]:
    from news_etl.metadata import known_languages, year_bounds

    low, high = year_bounds()
    return {"boilerplate_patterns": rules.check_patterns, "language_codes": known_languages(),
            "min_published_year": low, "max_published_year": high}


class _SuiteValidator:
    """One ephemeral GX context and suite, validating any number of DataFrames (chunks of one run)."""

    def __init__(self, suite_name: str, *, id_column: str, variables: dict[str, object]) -> None:
        _quiet_gx()
        import great_expectations as gx
        import great_expectations.expectations as gxe
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
        suite = gx.ExpectationSuite(name=suite_name)
        for e in self.entries:
            kind = e["expectation"]
            cls = getattr(gxe, "".join(part.capitalize() for part in kind.split("_")), None)
            if cls is None:
                raise ValueError(f"suite {suite_name}: GX has no expectation {kind!r}")
            kwargs = {k: _resolve(v, variables) for k, v in (e.get("kwargs") or {}).items()}
            suite.add_expectation(cls(**kwargs, meta={"severity": e["severity"], "why": e.get("why", "")}))
        self.suite = context.suites.add(suite)

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
            meta = cfg.meta or {}
            kwargs = dict(cfg.kwargs)
            label = _label(cfg.type, kwargs)
            if r.exception_info and r.exception_info.get("raised_exception"):
                raise RuntimeError(f"expectation {label} could not run: {r.exception_info.get('exception_message')}")
            res = r.result or {}
            entry = {"expectation": cfg.type, "kwargs": kwargs, "severity": meta.get("severity", "error"),
                     "why": meta.get("why", "")}
            outcome.results.append(
                _result_row(run_id, self.suite_name, entry, bool(r.success), res.get("element_count"),
                            res.get("unexpected_count"), validated_at)
            )
            if not r.success and entry["severity"] == "error":
                for item in res.get("unexpected_index_list") or []:
                    row_id = item.get(self.id_column) if isinstance(item, dict) else None
                    if row_id is None:
                        continue
                    value = {k: v for k, v in item.items() if k != self.id_column}
                    outcome.failures.append(Failure(str(row_id), label, f"failed {label}: value {_short(value)}"))
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


def _result_row(run_id: str, suite: str, entry: dict, success: bool, element_count: object,
                unexpected_count: object, validated_at: datetime) -> dict:
    kwargs = entry.get("kwargs") or {}
    column = kwargs.get("column") or (
        f"{kwargs['column_A']},{kwargs['column_B']}" if "column_A" in kwargs else None
    )
    return {
        "run_id": run_id,
        "suite": suite,
        "expectation": entry["expectation"],
        "column_name": column if isinstance(column, str) else None,
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


def validate_articles(articles, rules: RuleSet, *, run_id: str, validated_at: datetime,
                      chunk_rows: int = VALIDATION_CHUNK_ROWS) -> Outcome:
    """The ``articles`` suite over a pyarrow table of staged articles, ``chunk_rows`` rows at a time.

    Results are summed over the chunks. Uniqueness of ``article_id`` is also checked over the whole run
    (a duplicate split across two chunks is caught too), from the id column alone.
    """
    import pyarrow.compute as pc

    validator = _SuiteValidator("articles", id_column="article_id", variables=_suite_variables(rules))
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
            label = "expect_column_values_to_be_unique(article_id)"
            flagged = {f.row_id for f in failures if f.expectation == label}
            failures += [Failure(i, label, f"failed {label}: value {{'article_id': {i!r}}}")
                         for i in dup_ids if i not in flagged]
            key = ("articles", "expect_column_values_to_be_unique", "article_id")
            if key in merged:
                merged[key]["success"] = False
                merged[key]["unexpected_count"] = int(sum(v["counts"] for v in counts.to_pylist() if v["counts"] > 1))
    return Outcome(failures=failures, results=[merged[k] for k in order])


# --------------------------------------------------------------------------- published data (reports)

#: Suites run over a published run, in report order (rules/expectations.yaml).
PUBLISHED_SUITES = ("articles_published", "entities", "quotes", "boilerplate_removed", "stories", "sources")
#: How far a source's share of removed lines may move outside what its earlier runs showed.
USUAL_RANGE_MARGIN = 0.10
#: Earlier runs a source needs before its usual range means anything.
USUAL_RANGE_MIN_RUNS = 3


def reports_dir(lake: Path) -> Path:
    return Path(lake) / "_reports"


def gx_project_dir(lake: Path) -> Path:
    return reports_dir(lake) / "gx"


def data_docs_dir(lake: Path) -> Path:
    return gx_project_dir(lake) / "gx" / "uncommitted" / "data_docs" / "local_site"


#: Unchecked runs one report run picks up besides the runs its events name (the rest wait for the next one).
MAX_BACKLOG_CHECKS = 20


def runs_to_check(lake: Lake, named: list[str], backlog: int = MAX_BACKLOG_CHECKS) -> list[str]:
    """The runs a report run checks: every committed run its Asset events name (Airflow may hand one report
    run several events, e.g. after a pause), then committed runs that no check has seen yet, oldest first,
    at most ``backlog`` of them. Each published run so gets its quality check however events are batched."""
    from news_etl import lake as lakes

    runs = lakes.read(lake, "ingest_runs", ["run_id", "started_at"]).to_pylist()
    committed = {r["run_id"] for r in runs}
    checked = set(lakes.read(lake, "dq_runs", ["run_id"]).column("run_id").to_pylist())
    out = [r for r in dict.fromkeys(named) if r in committed]
    for r in named:
        if r not in committed:
            log.warning("run %s named by an Asset event is not committed in %s; not checked", r, lake.folder)
    waiting = [r["run_id"] for r in sorted(runs, key=lambda r: (r["started_at"], r["run_id"]))
               if r["run_id"] not in checked and r["run_id"] not in out]
    if len(waiting) > backlog:
        log.info("%d published run(s) have no quality check yet; checking the oldest %d now, the rest next time",
                 len(waiting), backlog)
    return out + waiting[:backlog]


def check_runs(lake: Lake, named: list[str], checked_at: datetime, rules: RuleSet,
               backlog: int = MAX_BACKLOG_CHECKS) -> dict:
    """:func:`check_published` for every run of :func:`runs_to_check` (the latest run when none is named and
    none is waiting, so a manual report still checks something; a named run that is not committed is not
    replaced by another). Returns the runs' summaries and their failed errors."""
    runs = runs_to_check(lake, named, backlog)
    if not runs and not named and (latest := latest_run_id(lake)) is not None:
        runs = [latest]
    summaries = [check_published(lake, run_id, checked_at, rules) for run_id in runs]
    failed = [f"run {s['run_id']}: {e}" for s in summaries for e in s["failed_errors"]]
    return {"lake": str(lake.folder), "runs": [s["run_id"] for s in summaries], "checked": summaries,
            "failed_errors": failed, "success": not failed,
            "data_docs": str(data_docs_dir(lake.folder) / "index.html") if summaries else None}


def latest_run_id(lake: Lake) -> str | None:
    from news_etl import lake as lakes

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
        if len(past) >= USUAL_RANGE_MIN_RUNS and share is not None:
            low, high = min(past) - USUAL_RANGE_MARGIN, max(past) + USUAL_RANGE_MARGIN
            within = low <= share <= high
        else:
            low = high = None
            within = True  # no history yet: nothing to compare with
        out.append({"source": source, "share_removed": share, "usual_low": low, "usual_high": high,
                    "within_usual_range": within})
    return pd.DataFrame(out, columns=["source", "share_removed", "usual_low", "usual_high", "within_usual_range"])


def published_frames(lake: Lake, run_id: str) -> dict[str, tuple[object, str]]:
    """suite -> (DataFrame of the run's published rows, id column), the input of the published suites; all
    read in one session, so every suite sees the same snapshot."""
    from news_etl import lake as lakes

    with lakes.reader(lake) as con:
        return _published_frames(con, run_id)


def _published_frames(con, run_id: str) -> dict[str, tuple[object, str]]:
    from news_etl import lake as lakes

    def of_run(table: str, columns: list[str]):
        return lakes.read(con, table, columns, where="run_id = ?", params=[run_id])

    arts = of_run("articles", ["article_id", "run_id", "title", "authors", "published_at", "ingested_at", "body",
                               "keywords"]).to_pandas()
    arts["has_authors"] = arts["authors"].map(lambda a: a is not None and len(a) > 0)
    arts["published_year"] = arts["published_at"].map(lambda t: None if t is None or t != t else t.year)
    arts["published_year"] = arts["published_year"].astype("Int64")
    stories = lakes.read(con, "stories").to_pandas()
    return {
        "articles_published": (arts.drop(columns=["authors"]), "article_id"),
        "entities": (of_run("entities", ["article_id", "entity_id", "run_id", "name", "label", "mention_count"])
                     .to_pandas(), "article_id"),
        "quotes": (of_run("quotes", ["quote_id", "article_id", "run_id", "quote", "start_offset", "end_offset"])
                   .to_pandas(), "quote_id"),
        "boilerplate_removed": (of_run("boilerplate_removed", ["article_id", "run_id", "rule", "line_text"])
                                .to_pandas(), "article_id"),
        "stories": (stories, "story_id"),
        "sources": (_sources_frame(con, run_id), "source"),
    }


def _file_context(project_dir: Path):
    _quiet_gx()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    project_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(project_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    with contextlib.suppress(Exception):  # older configs cannot save this key; the bars are cosmetic
        context.variables.save()
    return context


def check_published(lake: Lake, run_id: str, checked_at: datetime, rules: RuleSet) -> dict:
    """Validate a published run with a GX Checkpoint per suite, update the Data Docs, and write the results
    as the ``dq_results`` and ``dq_runs`` tables (idempotent: a re-check replaces the run's rows)."""
    _quiet_gx()
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.checkpoint import Checkpoint
    from great_expectations.core.run_identifier import RunIdentifier

    from news_etl import datadocs
    from news_etl import lake as lakes
    from news_etl.nlp import load_config as nlp_config
    from news_etl.schemas import DQ_RESULTS, DQ_RUNS, to_table

    frames = published_frames(lake, run_id)
    arts = frames["articles_published"][0]
    variables = {**_suite_variables(rules), "article_ids": sorted(arts["article_id"].tolist()),
                 "entity_labels": sorted(nlp_config().labels)}
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
        suite = gx.ExpectationSuite(name=name)
        for e in suites[name]:
            cls = getattr(gxe, "".join(p.capitalize() for p in e["expectation"].split("_")))
            kwargs = {k: _resolve(v, variables) for k, v in (e.get("kwargs") or {}).items()}
            suite.add_expectation(cls(**kwargs, meta={"severity": e["severity"], "why": e.get("why", "")}))
        suite = context.suites.add_or_update(suite)
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch_def, suite=suite))
        checkpoint = context.checkpoints.add_or_update(Checkpoint(
            name=f"news_{name}", validation_definitions=[definition], actions=[],
            result_format={"result_format": "SUMMARY"}))
        if df.empty:
            for e in suites[name]:
                rows.append(_dq_row(run_id, name, e["expectation"], e.get("kwargs") or {}, e["severity"], True,
                                    {"element_count": 0, "unexpected_count": 0}, e.get("why"), checked_at))
            continue
        result = checkpoint.run(batch_parameters={"dataframe": df},
                                run_id=RunIdentifier(run_name=run_id, run_time=checked_at))
        for key, validation in result.run_results.items():
            for r in validation.results:
                cfg = r.expectation_config
                if r.exception_info and r.exception_info.get("raised_exception"):
                    raise RuntimeError(f"{name}: {_label(cfg.type, dict(cfg.kwargs))} could not run: "
                                       f"{r.exception_info.get('exception_message')}")
                meta = cfg.meta or {}
                rows.append(_dq_row(run_id, name, cfg.type, dict(cfg.kwargs), meta.get("severity", "error"),
                                    bool(r.success), r.result or {}, meta.get("why"), checked_at))
            # GX writes observed and unexpected values into the Data Docs pages without escaping them: a
            # scraped "<script>" would run there. Escape them in the stored result the pages are built from
            # (after dq_results took the values as they are).
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
        "run_id": run_id, "checked_at": checked_at, "expectations": len(rows),
        "passed": sum(r["success"] for r in rows),
        "pass_rate": round(sum(r["success"] for r in rows) / len(rows), 4) if rows else 1.0,
        "failed_errors": failed_errors, "failed_warnings": failed_warnings, "success": not failed_errors,
        "articles": n,
        "fill_title": fill(arts["title"].notna()),
        "fill_authors": fill(arts["has_authors"]),
        "fill_published_at": fill(arts["published_at"].notna()),
        "fill_keywords": fill(arts["keywords"].map(lambda k: k is not None and len(k) > 0)),
    }

    def write(con) -> None:  # a re-check replaces the run's rows, in one transaction
        con.execute(f"DELETE FROM {lakes.ALIAS}.main.dq_results WHERE run_id = ?", [run_id])
        con.execute(f"DELETE FROM {lakes.ALIAS}.main.dq_runs WHERE run_id = ?", [run_id])
        lakes.insert(con, "dq_results", to_table(rows, DQ_RESULTS))
        lakes.insert(con, "dq_runs", to_table([run_row], DQ_RUNS))

    lakes.transaction(lake, write, what=f"quality results of run {run_id}")
    log.info("data quality of run %s: %d/%d expectations passed; failed errors: %s; warnings: %s", run_id,
             run_row["passed"], run_row["expectations"], failed_errors or "none", failed_warnings or "none")
    return {**{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in run_row.items()},
            "data_docs": str(data_docs_dir(lake.folder) / "index.html")}


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


def _dq_row(run_id: str, suite: str, kind: str, kwargs: dict, severity: str, success: bool, result: dict,
            why: str | None, checked_at: datetime) -> dict:
    column = kwargs.get("column") or (f"{kwargs['column_A']},{kwargs['column_B']}" if "column_A" in kwargs else None)
    if column is None and "column_list" in kwargs:
        column = ",".join(kwargs["column_list"])
    observed = result.get("observed_value")
    pct = result.get("unexpected_percent")
    return {
        "run_id": run_id, "suite": suite, "expectation": kind,
        "column_name": column if isinstance(column, str) else None,
        "severity": severity, "success": success,
        "element_count": int(result["element_count"]) if result.get("element_count") is not None else None,
        "unexpected_count": int(result["unexpected_count"]) if result.get("unexpected_count") is not None else None,
        "unexpected_percent": float(pct) if pct is not None else None,
        "observed": None if observed is None else str(observed)[:500],
        "why": why, "checked_at": checked_at,
    }
