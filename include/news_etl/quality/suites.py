"""The expectation suites as data (``expectations/suites.yaml``) and the one builder that makes GX suites of them.

Each entry names a GX Core expectation (snake_case type), its kwargs, a severity (``error`` or ``warn``) and
why it exists. Values starting with ``$`` are filled in from the project's own data (:func:`suite_variables`).
"""

from __future__ import annotations

import logging
from functools import lru_cache

import yaml

from news_etl.ruleset import RuleSet
from news_etl.settings import EXPECTATIONS_DIR

SUITES_FILE = EXPECTATIONS_DIR / "suites.yaml"
SEVERITIES = {"error", "warn"}


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


def quiet_gx() -> None:
    """GX logs an INFO line per registered function at import; that floods Airflow task logs."""
    for name in ("great_expectations", "great_expectations.expectations.registry"):
        logging.getLogger(name).setLevel(logging.WARNING)


def suite_variables(rules: RuleSet) -> dict[str, object]:
    """The ``$`` values every suite may use: the boilerplate checks, language codes and year bounds."""
    from news_etl.dates import year_bounds
    from news_etl.metadata import known_languages

    low, high = year_bounds()
    return {
        "boilerplate_patterns": rules.check_patterns,
        "language_codes": known_languages(),
        "min_published_year": low,
        "max_published_year": high,
    }


def resolve(value: object, variables: dict[str, object]) -> object:
    if isinstance(value, str) and value.startswith("$"):
        if value[1:] not in variables:
            raise KeyError(f"unknown suite variable {value}")
        return variables[value[1:]]
    return value


def label(kind: str, kwargs: dict) -> str:
    """``expect_x(column)``: how a failure names its expectation (quarantine rows, messages)."""
    cols = [str(kwargs[k]) for k in ("column", "column_A", "column_B") if k in kwargs]
    return f"{kind}({', '.join(cols)})"


def column_of(kwargs: dict) -> str | None:
    """The column(s) an expectation checks, as stored in the results tables' ``column_name``."""
    column = kwargs.get("column") or (f"{kwargs['column_A']},{kwargs['column_B']}" if "column_A" in kwargs else None)
    if column is None and "column_list" in kwargs:
        column = ",".join(kwargs["column_list"])
    return column if isinstance(column, str) else None


def build_suite(name: str, variables: dict[str, object]):
    """The named suite as a ``gx.ExpectationSuite``; an unknown expectation type is an error naming it."""
    quiet_gx()
    import great_expectations as gx
    import great_expectations.expectations as gxe

    suite = gx.ExpectationSuite(name=name)
    for e in load_suites()[name]:
        kind = e["expectation"]
        cls = getattr(gxe, "".join(part.capitalize() for part in kind.split("_")), None)
        if cls is None:
            raise ValueError(f"suite {name}: GX has no expectation {kind!r}")
        kwargs = {k: resolve(v, variables) for k, v in (e.get("kwargs") or {}).items()}
        suite.add_expectation(cls(**kwargs, meta={"severity": e["severity"], "why": e.get("why", "")}))
    return suite
