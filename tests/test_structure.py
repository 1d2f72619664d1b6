"""The codebase's shape: no import cycles, every stage found by its module name with a typed result that survives
XCom, modules of a readable size, and a docs table list that matches the schemas."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import importlib.util
import json
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "include" / "news_etl"

#: Modules allowed past MAX_LINES, each with why it is one cohesive thing.
COHESIVE = {
    "lake.py": "the one owner of the lake's layout, connections, tables and transactions (the guide asks for one)",
    "stages/stories.py": "one algorithm: the incremental story update and its equal full rebuild, kept side by side",
}
MAX_LINES = 420


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every ``news_etl`` module ``path`` imports, at the top or inside a function (a lazy import is still a
    dependency: a cycle through one only waits for the first call to bite)."""
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("news_etl")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            if not base.startswith("news_etl"):
                continue
            for alias in node.names:  # `from news_etl import lake` imports the module news_etl.lake
                sub = f"{base}.{alias.name}"
                out.add(
                    sub
                    if (PACKAGE.parent / Path(*sub.split("."))).with_suffix(".py").exists()
                    or (PACKAGE.parent / Path(*sub.split(".")) / "__init__.py").exists()
                    else base
                )
    out.discard(here)
    return out


def import_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    # A package's __init__ runs before its submodules: importing news_etl.x.y depends on news_etl.x too, but
    # the package itself is a namespace here (its __init__ imports nothing), so edges to it are left out.
    return {
        name: {m for m in _imports(path) if m in modules and m != name and not name.startswith(m + ".")}
        for name, path in modules.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_import_graph_has_no_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 20 and graph["news_etl.runner"], "the graph must see the package's modules and imports"
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph) or [])}"


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_modules_stay_readable() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    unexplained = {k: v for k, v in long.items() if k not in COHESIVE}
    assert not unexplained, f"split these, or say in COHESIVE why each is one thing: {unexplained}"


AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _sample(cls: type) -> object:
    """An instance of a result dataclass with a plausible value in every field."""
    values = {}
    for f in dataclasses.fields(cls):
        hint = str(f.type)
        if "datetime" in hint:
            values[f.name] = AT
        elif hint.startswith("tuple[str"):
            values[f.name] = ("a", "b")
        elif hint.startswith("tuple[Batch"):
            from news_etl.stages.plan import Batch

            values[f.name] = (Batch("r", 0, "batch-00000/manifest.json", 3),)
        elif hint.startswith("bool"):
            values[f.name] = True
        elif hint.startswith("int"):
            values[f.name] = 7
        elif hint.startswith("float"):
            values[f.name] = 1.5
        elif hint.startswith("str"):
            values[f.name] = f"{f.name}-value"
        else:
            raise AssertionError(f"no sample value for {cls.__name__}.{f.name}: {hint}")
    return cls(**values)


STAGES = {
    # module: (entry point, result class)
    "plan": ("plan_run", "Plan"),
    "process": ("process_batch", "BatchResult"),
    "validate": ("validate_run", "ValidationResult"),
    "publish": ("publish_run", "PublishResult"),
    "stories": ("publish", "StoriesResult"),
    "settle": ("settle_inbox", "SettleResult"),
}


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_each_stage_is_a_module_with_one_entry_point_and_a_typed_result(stage: str) -> None:
    entry, result = STAGES[stage]
    module = importlib.import_module(f"news_etl.stages.{stage}")
    assert callable(getattr(module, entry))
    cls = getattr(module, result)
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen, f"{result} must be a frozen dataclass"
    sample = _sample(cls)
    xcom = sample.to_xcom()
    # What crosses XCom is JSON: no datetimes, tuples or dataclasses left in it.
    assert json.loads(json.dumps(xcom)) == xcom
    assert cls.from_xcom(xcom) == sample


def test_the_stages_are_listed_in_the_package_docs() -> None:
    doc = importlib.import_module("news_etl.stages").__doc__ or ""
    for stage, (entry, _) in STAGES.items():
        assert f":mod:`.{stage}`" in doc and entry in doc


def test_the_tables_page_is_generated_from_the_schemas() -> None:
    """docs/tables.md is what scripts/table_docs.py writes from schemas.py (``make docs``): it cannot drift."""
    from news_etl.schemas import ALL_TABLES

    spec = importlib.util.spec_from_file_location("table_docs", ROOT / "scripts" / "table_docs.py")
    table_docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(table_docs)
    page = (ROOT / "docs" / "tables.md").read_text(encoding="utf-8")
    assert page == table_docs.render(), "docs/tables.md is stale: run `make docs`"
    sections = dict(re.findall(r"^## `(\w+)`\n(.*?)(?=^## |\Z)", page, flags=re.M | re.S))
    assert list(sections) == list(ALL_TABLES)
    for table, schema in ALL_TABLES.items():
        assert re.findall(r"^\| `(\w+)` \|", sections[table], flags=re.M) == schema.names


def test_the_seeds_make_the_lake_they_made_before_the_restructuring() -> None:
    """tests/data/lake_digest_seeds.json was written by scripts/lake_digest.py on the code before the stages
    became modules (commit 9751485): the same rows in every table (renamed tables under their new names).
    A change that means to alter the lake re-records it (``scripts/lake_digest.py --inbox seeds --out ...``)."""
    spec = importlib.util.spec_from_file_location("lake_digest", ROOT / "scripts" / "lake_digest.py")
    lake_digest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lake_digest)
    from news_etl.lake import RENAMED

    before = {
        RENAMED.get(k, k): v
        for k, v in json.loads((ROOT / "tests" / "data" / "lake_digest_seeds.json").read_text()).items()
    }
    with tempfile.TemporaryDirectory() as tmp:
        now = lake_digest.digest(ROOT / "seeds", Path(tmp))
    assert now["articles"]["rows"] == 5 and now["entities"]["rows"] > 0
    assert now == before, [t for t in now if now[t] != before.get(t)]


def test_the_readme_queries_run_on_the_seeds(tmp_path: Path) -> None:
    """The README's SQL (the front door's main queries) runs as written on a lake of the seeds."""
    from news_etl import lake as lakes
    from news_etl.runner import run_ingest
    from news_etl.settings import get_settings

    settings = get_settings(nlp=False).with_paths(ROOT / "seeds", tmp_path / "lake")
    run_ingest(settings, "readme", AT, clock=lambda: AT)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    statements = [
        s.strip()
        for block in re.findall(r"```sql\n(.*?)```", readme, flags=re.S)
        for s in block.split(";")
        if s.strip() and not s.strip().lower().startswith(("attach", "use "))
    ]
    assert len(statements) >= 3
    for sql in statements:
        columns, _ = lakes.query(lakes.Lake.of(settings), sql)
        assert columns, sql
    stories = lakes.query(lakes.Lake.of(settings), statements[0])[1]
    assert stories and stories[0][1] == 5  # the seeds: one story from five outlets
