"""``news-etl``: the pipeline without Airflow. Every command reads the same settings as the DAG
(NEWS_ETL_INBOX, NEWS_ETL_LAKE, ...); a flag overrides its variable.

    news-etl ingest  [--inbox DIR] [--lake DIR] [--run-id ID] [--workers N]   ingest new inbox files
    news-etl sql     "select ..." [--lake DIR] [--at SNAPSHOT]  ad-hoc SQL on the lake (read-only; --at: time travel)
    news-etl sql     --example NAME [--lake DIR]              one of the shipped example queries
    news-etl summary [--lake DIR]                             what has landed, table by table
    news-etl report  [--lake DIR] [--run-id ID] [--no-checks] check published runs, write the run report
    news-etl snapshots [--lake DIR] [--limit N]               the lake's snapshots (what each commit changed)
    news-etl maintain  [--lake DIR]                           flush, merge, expire snapshots, delete unused files
    news-etl migrate   --from DIR [--lake DIR]                import a lake of the earlier folder layout
    news-etl stories   --rebuild [--lake DIR]                 recompute every story (the full recompute)
    news-etl attach    [--lake DIR]                           the ATTACH line for any DuckDB session
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from news_etl.settings import ConfigError, get_settings
from news_etl.values import printable

log = logging.getLogger("news_etl.cli")


def _now() -> datetime:
    return datetime.now(UTC)


def _format_value(value: object) -> str:
    if value is None:
        return "∅"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    # Values are strangers' text: an ESC sequence in a title must show as text, not drive the terminal.
    text = printable(str(value).replace("\n", " ⏎ "))
    return text if len(text) <= 80 else text[:79] + "…"


def format_table(columns: list[str], rows: list[tuple]) -> str:
    """A plain-text table (no third-party renderer: the CLI must work in any terminal or log)."""
    cells = [[_format_value(v) for v in row] for row in rows]
    columns = [printable(c) for c in columns]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = "-+-".join("-" * w for w in widths)
    out = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)), line]
    out += [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def _settings(args: argparse.Namespace):
    return get_settings().with_paths(getattr(args, "inbox", None), getattr(args, "lake", None))


def cmd_ingest(args: argparse.Namespace) -> int:
    from news_etl.runner import run_ingest
    from news_etl.stages.extract import load_models

    settings = _settings(args)
    try:
        settings.check_paths()
        load_models(settings)  # a model file named by a setting that is none: say so before any work
    except ConfigError as exc:
        log.error("%s", exc)
        return 2
    log.info("ingesting %s into %s", settings.inbox, settings.lake)
    started = _now()
    run_id = args.run_id or f"cli__{started.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}"
    summary = run_ingest(settings, run_id, started, clock=_now, workers=args.workers)
    print(json.dumps(summary.to_xcom(), indent=2, default=str))
    return 0


def _lake(args: argparse.Namespace):
    from news_etl.lake import Lake

    return Lake.of(_settings(args))


def _read_errors(fn):
    """Run a reading command; a missing lake, a bad snapshot or an unreachable catalog is one clear line."""
    import duckdb

    from news_etl.lake import LakeError

    try:
        return fn()
    except (FileNotFoundError, ConfigError, LakeError) as exc:
        log.error("%s", exc)
        return 2
    except duckdb.Error as exc:  # duckdb's errors are precise; show them without a traceback
        log.error("query failed: %s", exc)
        return 1


def cmd_sql(args: argparse.Namespace) -> int:
    from news_etl import lake as lakes
    from news_etl.queries import example_queries

    if args.example:
        examples = example_queries()
        if args.example not in examples:
            log.error("no example %r; choose from: %s", args.example, ", ".join(examples))
            return 2
        sql = examples[args.example]
    elif args.query:
        sql = args.query
    else:
        log.error("give a query, or --example NAME (one of: %s)", ", ".join(example_queries()))
        return 2

    def run() -> int:
        columns, rows = lakes.query(_lake(args), sql, at=args.at)
        print(format_table(columns, rows))
        return 0

    return _read_errors(run)


def cmd_summary(args: argparse.Namespace) -> int:
    from news_etl import lake as lakes
    from news_etl.queries import example_queries
    from news_etl.schemas import ALL_TABLES

    lake = _lake(args)

    def summary(con) -> list[str]:
        counts = [(t, lakes.scalar(con, f"select count(*) from {t}")) for t in ALL_TABLES]
        out = [f"lake: {lake.folder}\n{lake.describe()}\n", format_table(["table", "rows"], counts)]
        examples = example_queries()
        sections = [
            (
                "articles",
                "select source_path, title, authors, published_at, dateline, publisher, language, "
                "word_count from articles order by source_path limit 20",
            ),
            ("boilerplate removed, by rule", examples["boilerplate_by_rule"]),
            ("biggest stories", examples["biggest_stories"]),
            ("most quoted", examples["most_quoted"]),
            ("top entities", examples["top_entities"]),
            ("quarantine", "select source_path, stage, reason_code, reason from quarantine order by 1"),
        ]
        for heading, sql in sections:
            out += [f"\n{heading}:", format_table(*lakes.rows_of(con, sql))]
        return out

    def run() -> int:
        # Printed once read whole: a read that maintenance interrupts runs again (lakes.read_consistently).
        print("\n".join(lakes.read_consistently(lake, summary, what="summary")))
        return 0

    return _read_errors(run)


def cmd_report(args: argparse.Namespace) -> int:
    from news_etl import report
    from news_etl.quality import published
    from news_etl.ruleset import load_rules

    lake = _lake(args)
    if not lake.exists():
        log.error("no lake at %s yet: run `news-etl ingest` (or the news_ingest DAG) first", lake.folder)
        return 2
    now = _now()
    summary: dict = {}
    if not args.no_checks:
        # One run when named; else every run no check has seen yet (else the latest), as the DAG does.
        summary = published.check_runs(
            lake,
            [args.run_id] if args.run_id else [],
            now,
            load_rules(_settings(args).extra_rules),
            backlog=0 if args.run_id else published.MAX_BACKLOG_CHECKS,
        ).to_xcom()
        if not summary["runs"]:
            log.error(
                "the lake at %s has no committed run%s to check", lake.folder, f" {args.run_id}" if args.run_id else ""
            )
            return 2
    path = report.build_report(lake, now)
    print(json.dumps({**summary, "report": str(path)}, indent=2, default=str))
    if summary and not summary["success"]:
        log.error("error-severity expectations failed: %s", "; ".join(summary["failed_errors"]))
        return 1
    return 0


def cmd_snapshots(args: argparse.Namespace) -> int:
    from news_etl import lake as lakes

    def run() -> int:
        columns, rows = lakes.snapshots(_lake(args), args.limit)
        print(format_table(columns, rows))
        return 0

    return _read_errors(run)


def cmd_maintain(args: argparse.Namespace) -> int:
    from news_etl.maintenance import maintain

    settings = _settings(args)

    def run() -> int:
        summary = maintain(_lake(args), _now(), settings.snapshot_retention_days, settings.staging_retention_days)
        print(json.dumps(summary.to_xcom(), indent=2))
        return 0

    return _read_errors(run)


def cmd_migrate(args: argparse.Namespace) -> int:
    from news_etl.migrate import migrate_from

    try:
        result = migrate_from(_lake(args), Path(args.source), _now())
    except FileNotFoundError as exc:
        log.error("%s", exc)
        return 2
    print(json.dumps(result.to_xcom(), indent=2, default=str))
    return 0


def cmd_stories(args: argparse.Namespace) -> int:
    from news_etl import lake as lakes
    from news_etl.stages import stories as story_stage

    at = _now()
    run_id = f"stories-rebuild__{at:%Y%m%dT%H%M%S}"

    def run() -> int:
        result = lakes.transaction(
            _lake(args), lambda con: story_stage.rebuild(con, run_id, at), what="stories rebuild"
        )
        print(json.dumps(result.to_xcom(), indent=2))
        return 0

    return _read_errors(run)


def cmd_attach(args: argparse.Namespace) -> int:
    from news_etl.lake import extension_path

    lake = _lake(args)
    print(
        "-- DuckDB 1.5.5 with the ducklake extension (offline: pip install duckdb-extension-ducklake==1.5.5 "
        "and LOAD the file below)"
    )
    kind = "sqlite_scanner" if lake.kind == "sqlite" else "postgres_scanner"
    for name in ("ducklake", kind) + (("httpfs",) if lake.remote else ()):
        try:
            print(f"LOAD '{extension_path(name)}';")
        except ConfigError:
            print(f"INSTALL {name}; LOAD {name};")
    print(lake.attach_sql(read_only=True))
    print(f"USE {'lake'};")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="news-etl", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="ingest new inbox files into the lake")
    p.add_argument("--inbox", help="folder scrapers drop article files in (default: NEWS_ETL_INBOX)")
    p.add_argument("--lake", help="folder of the Parquet lake (default: NEWS_ETL_LAKE)")
    p.add_argument("--run-id", help="run id (default: cli__<UTC time>); re-using one re-runs that run")
    p.add_argument("--workers", type=int, default=1, help="processes for the batch stage (default 1)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("sql", help="run ad-hoc SQL on the lake (read-only)")
    p.add_argument("query", nargs="?", help="SQL text")
    p.add_argument("--example", help="run a shipped example query by name")
    p.add_argument("--lake", help="lake folder (default: NEWS_ETL_LAKE)")
    p.add_argument(
        "--at", help="time travel: a snapshot id (news-etl snapshots) or a timestamp ('2026-11-30 09:00:00+00')"
    )
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser("summary", help="print what has landed in the lake")
    p.add_argument("--lake", help="lake folder (default: NEWS_ETL_LAKE)")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser(
        "report", help="check published runs not checked yet, else the latest (GX Data Docs), and write the run report"
    )
    p.add_argument("--lake", help="lake folder (default: NEWS_ETL_LAKE)")
    p.add_argument("--run-id", help="the run to check (default: the latest committed run)")
    p.add_argument("--no-checks", action="store_true", help="only rebuild the HTML report from the lake")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("snapshots", help="list the lake's snapshots, newest first (for sql --at)")
    p.add_argument("--lake", help="lake folder (default: NEWS_ETL_LAKE)")
    p.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    p.set_defaults(func=cmd_snapshots)

    p = sub.add_parser(
        "maintain",
        help="flush inlined rows, merge small files, expire snapshots older than "
        "NEWS_ETL_SNAPSHOT_RETENTION_DAYS, delete unreferenced files",
    )
    p.add_argument("--lake", help="lake folder (default: NEWS_ETL_LAKE)")
    p.set_defaults(func=cmd_maintain)

    p = sub.add_parser("migrate", help="import every committed run of a lake in the earlier folder layout")
    p.add_argument("--from", dest="source", required=True, help="the earlier lake's folder")
    p.add_argument("--lake", help="lake folder (default: NEWS_ETL_LAKE)")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser(
        "stories",
        help="recompute every story from every published article (--rebuild): after a "
        "change to config/stories.yaml, or to check the incremental update",
    )
    p.add_argument("--rebuild", action="store_true", required=True, help="the full recompute (required)")
    p.add_argument("--lake", help="lake folder (default: NEWS_ETL_LAKE)")
    p.set_defaults(func=cmd_stories)

    p = sub.add_parser("attach", help="print the lines a DuckDB session runs to open this lake")
    p.add_argument("--lake", help="lake folder (default: NEWS_ETL_LAKE)")
    p.set_defaults(func=cmd_attach)
    return parser


class _PrintableFormatter(logging.Formatter):
    """Log lines name files and quote values: control characters in them are shown, never sent raw."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record), keep_newlines=True)


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        get_settings()  # a malformed NEWS_ETL_* variable: one clear line, for every command
    except ConfigError as exc:
        print(f"news-etl: {exc}", file=sys.stderr)
        return 2
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_PrintableFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, handlers=[handler])
    for noisy in ("great_expectations", "trafilatura", "htmldate", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
