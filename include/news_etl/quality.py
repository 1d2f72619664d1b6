"""Quality: run the Great Expectations Core suites (``rules/expectations.yaml``) on a run's rows.

GX is called directly (an ephemeral context, a pandas datasource) rather than through the Airflow
provider, which cannot be installed beside Airflow 3.3.1+. Row-level failures come back as ids so
the caller can quarantine exactly the rows that failed an ``error`` expectation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import yaml

from news_etl.cleaning import RuleSet
from news_etl.settings import RULES_DIR

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
    from news_etl.metadata import known_languages

    return {"boilerplate_patterns": rules.check_patterns, "language_codes": known_languages()}


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
    entries = load_suites()[suite_name]
    outcome = Outcome()
    if df.empty:
        for e in entries:
            outcome.results.append(_result_row(run_id, suite_name, e, True, 0, 0, validated_at))
        return outcome

    _quiet_gx()
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    asset = context.data_sources.add_pandas("news_etl").add_dataframe_asset(suite_name)
    batch = asset.add_batch_definition_whole_dataframe("run").get_batch(batch_parameters={"dataframe": df})

    suite = gx.ExpectationSuite(name=suite_name)
    for e in entries:
        kind = e["expectation"]
        cls_name = "".join(part.capitalize() for part in kind.split("_"))
        cls = getattr(gxe, cls_name, None)
        if cls is None:
            raise ValueError(f"suite {suite_name}: GX has no expectation {kind!r}")
        kwargs = {k: _resolve(v, variables) for k, v in (e.get("kwargs") or {}).items()}
        suite.add_expectation(cls(**kwargs, meta={"severity": e["severity"], "why": e.get("why", "")}))
    suite = context.suites.add(suite)
    result = batch.validate(
        suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [id_column]}
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
            _result_row(run_id, suite_name, entry, bool(r.success), res.get("element_count"),
                        res.get("unexpected_count"), validated_at)
        )
        if not r.success and entry["severity"] == "error":
            for item in res.get("unexpected_index_list") or []:
                row_id = item.get(id_column) if isinstance(item, dict) else None
                if row_id is None:
                    continue
                value = {k: v for k, v in item.items() if k != id_column}
                outcome.failures.append(Failure(str(row_id), label, f"failed {label}: value {_short(value)}"))
    return outcome


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


def validate_articles(articles, rules: RuleSet, *, run_id: str, validated_at: datetime) -> Outcome:
    """The ``articles`` suite over a pyarrow table of staged articles."""
    df = articles.select(ARTICLE_CHECK_COLUMNS).to_pandas()
    return validate_frame(
        df, "articles", id_column="article_id", run_id=run_id, validated_at=validated_at,
        variables=_suite_variables(rules),
    )
