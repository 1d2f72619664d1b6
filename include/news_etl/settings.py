"""The one place that reads the environment.

Every knob has a default that works on a laptop; the DAG, the CLI and the tests all build a
:class:`Settings` through :func:`get_settings` (tests pass overrides instead of patching modules).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = Path(__file__).resolve().parent
#: Rules that decide what text is (boilerplate, dates, time zones, stopwords): edit these to change extraction.
RULES_DIR = PACKAGE_DIR / "rules"
#: Settings of the NLP and story stages (labels, key phrases, story thresholds).
CONFIG_DIR = PACKAGE_DIR / "config"
#: Trained artefacts, rebuilt by `make train-line-model` and `make build-idf` (not edited by hand).
MODELS_DIR = PACKAGE_DIR / "models"
#: The Great Expectations suites (the validation gate and the checks of published data).
EXPECTATIONS_DIR = PACKAGE_DIR / "expectations"
SQL_DIR = PACKAGE_DIR / "sql"

_PREFIX = "NEWS_ETL_"


class ConfigError(ValueError):
    """A setting that no retry can fix (a missing inbox, overlapping folders): fail at once, name it."""


def _env(name: str, default: str) -> str:
    return os.environ.get(_PREFIX + name, default)


def _model_setting(name: str) -> tuple[bool, Path | None]:
    """``NEWS_ETL_LINE_MODEL`` / ``NEWS_ETL_TITLE_MODEL``: on (the shipped model), off (rules only), or the path of
    a model file (one trained by ``benchmarks/train_*_model.py``, e.g. a fold of the extraction benchmark's
    cross-validation)."""
    value = _env(name, "on").strip()
    if value.lower() in {"0", "off", "false", "no"}:
        return False, None
    if value.lower() in {"", "1", "on", "true", "yes"}:
        return True, None
    path = Path(value).expanduser().resolve()
    if not path.is_file():
        raise ConfigError(f"NEWS_ETL_{name}={value!r} is neither on/off nor a model file")
    return True, path


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(_PREFIX + name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:  # a typo in a deployment should fail loudly, naming the variable
        raise ConfigError(f"{_PREFIX}{name} must be an integer, got {raw!r}") from exc


def _schedule(raw: str) -> str | None:
    """A cron expression or preset; ``none`` (or empty) means no schedule: manual and triggered runs only."""
    return None if raw.strip().lower() in ("", "none", "null") else raw.strip()


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = _env(name, default).strip().lower() or default
    if raw not in choices:
        raise ConfigError(f"{_PREFIX}{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _url_style(raw: str) -> str | None:
    style = raw.strip().lower()
    if style in ("", "path", "vhost"):
        return style or None
    raise ConfigError(f"{_PREFIX}S3_URL_STYLE must be path or vhost, got {raw!r}")


@dataclass(frozen=True)
class Limits:
    """Per-file safety limits; a file over a limit is quarantined with the limit named."""

    max_file_bytes: int = 64 * 1024 * 1024
    max_inflated_bytes: int = 64 * 1024 * 1024
    max_line_chars: int = 1_000_000
    max_records_per_file: int = 100_000
    max_file_seconds: int = 60  # reading one file, and extracting one record, each get this long
    # Text of one record (a .txt file's text, a JSON record's text, the text extracted from a page): what
    # cleaning holds per line costs ~70x the text, so this bounds a worker's memory.
    max_record_chars: int = 2_000_000
    # Markup of one HTML page (a file, or a JSON record's html): pages carry scripts and styles, and parsing
    # costs far less per character than cleaning, so the bound is wider.
    max_html_chars: int = 8_000_000
    # Fields of an article: longer values are cut (noted in articles.repairs), never refused.
    max_title_chars: int = 1_000
    max_url_chars: int = 4_096
    max_field_chars: int = 5_000  # description, section, publisher, dateline, raw date texts
    max_authors: int = 50
    max_author_chars: int = 200


@dataclass(frozen=True)
class Settings:
    inbox: Path
    lake: Path
    schedule: str | None = "*/15 * * * *"  # None: manual and triggered runs only
    batch_size: int = 2000
    max_batches: int = 64
    min_file_age_seconds: int = 0
    extra_rules: Path | None = None
    default_timezone: str = "UTC"
    line_model: bool = True
    line_model_file: Path | None = None  # a line model of one's own (NEWS_ETL_LINE_MODEL=<file>); None: shipped
    title_model: bool = True
    title_model_file: Path | None = None  # NEWS_ETL_TITLE_MODEL=<file>; None: the shipped headline ranker
    byline_model: bool = True
    byline_model_file: Path | None = None  # NEWS_ETL_BYLINE_MODEL=<file>; None: the shipped byline ranker
    date_model: bool = True
    date_model_file: Path | None = None  # NEWS_ETL_DATE_MODEL=<file>; None: the shipped date ranker
    batch_repeat_min_files: int = 3
    # Text a batch holds at once (characters, counted after inflating and decoding); more is processed in
    # groups of this size. The planner also closes a batch at this many bytes of files.
    max_batch_bytes: int = 32 * 1024 * 1024
    max_files_per_run: int = 20_000
    staging_retention_days: int = 7
    nlp: bool = True
    stories: bool = True  # cluster stories at each publish (off: the story tables are left as they are)
    spacy_model: str = "en_core_web_sm"
    batch_processes: int = 0  # 0: every CPU the worker may use
    # The lake (see news_etl.lake): its catalog (sqlite:<file> | postgres:<conninfo>; default a SQLite file in
    # the lake folder) and its data root (a folder or s3://bucket/prefix; default the lake folder).
    catalog: str | None = None
    data_path: str | None = None
    s3_endpoint: str | None = None  # host:port of an S3-compatible server (MinIO, ...); None: AWS
    s3_region: str = "us-east-1"
    s3_url_style: str | None = None  # path | vhost; default path with an endpoint, else vhost
    s3_use_ssl: bool = True
    publish_retries: int = 30  # attempts of a commit that meets another commit or a busy catalog
    snapshot_retention_days: int = 7  # time travel reaches this far back; maintenance expires older snapshots
    nlp_batch_size: int = 64
    nlp_max_chars: int = 200_000
    # What happens to an inbox file once its outcome is committed (news_etl.stages.settle): keep | archive | delete.
    done_files: str = "keep"
    archive_path: Path | None = None  # default: a folder beside the inbox, <inbox>-archive
    # full: every run stats every inbox file; watermark: folders unchanged since a committed run are not
    # looked into again (for inboxes that only gain files; see news_etl.discovery.discover).
    discovery: str = "full"
    limits: Limits = field(default_factory=Limits)

    @property
    def archive(self) -> Path:
        return self.archive_path or self.inbox.parent / f"{self.inbox.name}-archive"

    def check_paths(self) -> None:
        """Refuse an inbox that does not exist, and an inbox and lake that overlap: the lake's own files
        (Parquet parts, reports, Data Docs) would be ingested as articles, or the inbox's files published
        into the lake's folders. Raises :class:`ConfigError` naming the settings."""
        inbox, lake = Path(os.path.realpath(self.inbox)), Path(os.path.realpath(self.lake))
        if not inbox.is_dir():
            raise ConfigError(
                f"the inbox {self.inbox} does not exist or is not a folder (NEWS_ETL_INBOX, or the "
                "run's inbox param / --inbox)"
            )
        data = self.data_path
        if data and "://" not in data:  # the lake's data elsewhere on disk: it must not overlap the inbox either
            data_dir = Path(os.path.realpath(Path(data).expanduser()))
            if inbox == data_dir or inbox in data_dir.parents or data_dir in inbox.parents:
                raise ConfigError(
                    f"NEWS_ETL_DATA_PATH {data} and the inbox {self.inbox} overlap: the lake's files "
                    "would be read as articles. Put them side by side, neither inside the other"
                )
        if inbox == lake or inbox in lake.parents or lake in inbox.parents:
            where = (
                "the same folder"
                if inbox == lake
                else "inside the inbox"
                if inbox in lake.parents
                else "around the inbox"
            )
            raise ConfigError(
                f"the lake {self.lake} is {where} ({self.inbox}): the lake's own files would be read as articles. "
                "Put NEWS_ETL_LAKE and NEWS_ETL_INBOX (or --lake and --inbox) side by side, neither inside the other"
            )
        try:  # a lake we cannot write to fails every publish: say so now, once, naming the setting
            lake.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=lake, prefix=".write-check-"):
                pass
        except OSError as exc:
            raise ConfigError(
                f"the lake {self.lake} cannot be written ({exc.strerror or exc}): check "
                "NEWS_ETL_LAKE (or the run's lake param / --lake) and its permissions"
            ) from exc
        if self.done_files == "archive":
            archive = Path(os.path.realpath(self.archive))
            for other, name in ((inbox, "the inbox"), (lake, "the lake")):
                if archive == other or other in archive.parents or archive in other.parents:
                    raise ConfigError(
                        f"NEWS_ETL_ARCHIVE {self.archive} and {name} overlap: archived files would "
                        "be ingested again or mixed with the lake's. Put it beside them"
                    )

    def with_paths(self, inbox: str | Path | None = None, lake: str | Path | None = None) -> Settings:
        """A copy pointing at another inbox/lake (DAG params and CLI flags use this)."""
        return replace(
            self,
            inbox=Path(inbox).expanduser().resolve() if inbox else self.inbox,
            lake=Path(lake).expanduser().resolve() if lake else self.lake,
        )


def get_settings(**overrides: Any) -> Settings:
    """Build settings from ``NEWS_ETL_*`` environment variables, then apply ``overrides``."""
    extra = _env("RULES", "")
    line_model, title_model, byline_model, date_model = (
        _model_setting(n) for n in ("LINE_MODEL", "TITLE_MODEL", "BYLINE_MODEL", "DATE_MODEL")
    )
    settings = Settings(
        inbox=Path(_env("INBOX", str(PROJECT_ROOT / "data" / "inbox"))).expanduser().resolve(),
        lake=Path(_env("LAKE", str(PROJECT_ROOT / "data" / "lake"))).expanduser().resolve(),
        schedule=_schedule(_env("SCHEDULE", "*/15 * * * *")),
        batch_size=max(1, _env_int("BATCH_SIZE", 2000)),
        max_batches=max(1, _env_int("MAX_BATCHES", 64)),
        min_file_age_seconds=max(0, _env_int("MIN_FILE_AGE_SECONDS", 0)),
        extra_rules=Path(extra).expanduser().resolve() if extra else None,
        default_timezone=_env("DEFAULT_TIMEZONE", "UTC"),
        line_model=line_model[0],
        line_model_file=line_model[1],
        title_model=title_model[0],
        title_model_file=title_model[1],
        byline_model=byline_model[0],
        byline_model_file=byline_model[1],
        date_model=date_model[0],
        date_model_file=date_model[1],
        batch_repeat_min_files=max(0, _env_int("BATCH_REPEAT_MIN_FILES", 3)),
        max_batch_bytes=max(1, _env_int("MAX_BATCH_BYTES", Settings.max_batch_bytes)),
        max_files_per_run=max(1, _env_int("MAX_FILES_PER_RUN", 20_000)),
        staging_retention_days=max(1, _env_int("STAGING_RETENTION_DAYS", 7)),
        nlp=_env("NLP", "on").strip().lower() not in {"0", "off", "false", "no"},
        stories=_env("STORIES", "on").strip().lower() not in {"0", "off", "false", "no"},
        spacy_model=_env("SPACY_MODEL", "en_core_web_sm"),
        batch_processes=max(0, _env_int("BATCH_PROCESSES", 0)),
        catalog=_env("CATALOG", "").strip() or None,
        data_path=_env("DATA_PATH", "").strip() or None,
        s3_endpoint=_env("S3_ENDPOINT", "").strip() or None,
        s3_region=_env("S3_REGION", "us-east-1").strip() or "us-east-1",
        s3_url_style=_url_style(_env("S3_URL_STYLE", "")),
        s3_use_ssl=_env("S3_USE_SSL", "true").strip().lower() not in {"0", "off", "false", "no"},
        publish_retries=max(1, _env_int("PUBLISH_RETRIES", 30)),
        snapshot_retention_days=max(0, _env_int("SNAPSHOT_RETENTION_DAYS", 7)),
        nlp_batch_size=max(1, _env_int("NLP_BATCH_SIZE", 64)),
        nlp_max_chars=max(1000, _env_int("NLP_MAX_CHARS", 200_000)),
        done_files=_choice("DONE_FILES", "keep", ("keep", "archive", "delete")),
        archive_path=Path(_env("ARCHIVE", "")).expanduser().resolve() if _env("ARCHIVE", "").strip() else None,
        discovery=_choice("DISCOVERY", "full", ("full", "watermark")),
        limits=Limits(
            max_file_bytes=_env_int("MAX_FILE_BYTES", Limits.max_file_bytes),
            max_inflated_bytes=_env_int("MAX_INFLATED_BYTES", Limits.max_inflated_bytes),
            max_line_chars=_env_int("MAX_LINE_CHARS", Limits.max_line_chars),
            max_records_per_file=_env_int("MAX_RECORDS_PER_FILE", Limits.max_records_per_file),
            max_file_seconds=max(0, _env_int("MAX_FILE_SECONDS", Limits.max_file_seconds)),
            max_record_chars=max(1000, _env_int("MAX_RECORD_CHARS", Limits.max_record_chars)),
            max_html_chars=max(1000, _env_int("MAX_HTML_CHARS", Limits.max_html_chars)),
            max_title_chars=max(10, _env_int("MAX_TITLE_CHARS", Limits.max_title_chars)),
            max_url_chars=max(10, _env_int("MAX_URL_CHARS", Limits.max_url_chars)),
            max_field_chars=max(10, _env_int("MAX_FIELD_CHARS", Limits.max_field_chars)),
            max_authors=max(1, _env_int("MAX_AUTHORS", Limits.max_authors)),
            max_author_chars=max(10, _env_int("MAX_AUTHOR_CHARS", Limits.max_author_chars)),
        ),
    )
    return replace(settings, **overrides) if overrides else settings


#: Name of the Airflow Asset that ``news_ingest`` updates on every publish (issue-5 reports listen to it).
ARTICLES_ASSET_NAME = "news_articles"
