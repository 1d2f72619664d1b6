"""The shipped SQL an analyst starts from: example queries over the lake's tables (``sql/examples/``)."""

from __future__ import annotations

from news_etl.settings import SQL_DIR

EXAMPLES_DIR = SQL_DIR / "examples"


def example_queries() -> dict[str, str]:
    """name -> SQL text of every shipped example query."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(EXAMPLES_DIR.glob("*.sql"))}
