"""Shared fixtures. Airflow gets its own throwaway AIRFLOW_HOME (SQLite) so tests never touch a real one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"

# Must be set before anything imports airflow (the DAG test modules do, at collection time).
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="news-etl-airflow-"))
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(ROOT / "plugins")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
os.environ.pop("NEWS_ETL_RULES", None)

RUN_AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def article_step(text, at: datetime, *, line_model: bool = False, **rankers):
    """The article step (``articles.build_article``) on one text (or Record) ingested at ``at``, with the shipped
    rules, the shipped line model when ``line_model``, and the rankers passed (``title_model=``, ...)."""
    from news_etl.articles import build_article  # imported here: conftest stays light for the tests without it
    from news_etl.linemodel import default_model
    from news_etl.reading import Record
    from news_etl.ruleset import load_rules

    record = text if isinstance(text, Record) else Record(record_index=0, source_format="txt", text=text)
    return build_article(
        record,
        source_path="article.txt",
        file_hash="h",
        run_id="r",
        ingested_at=at,
        rules=load_rules(None),
        model=default_model() if line_model else None,
        **rankers,
    )


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_AIRFLOW_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A migrated Airflow metadata DB (SQLite) in the session's AIRFLOW_HOME."""
    airflow = Path(sys.executable).with_name("airflow")
    result = subprocess.run([str(airflow), "db", "migrate"], capture_output=True, text=True, env=os.environ.copy())
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return _AIRFLOW_HOME


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """An empty inbox folder."""
    path = tmp_path / "inbox"
    path.mkdir()
    return path


@pytest.fixture
def seed_inbox(tmp_path: Path) -> Path:
    """A copy of the five sample articles (tests may add files to it)."""
    path = tmp_path / "inbox"
    shutil.copytree(SEEDS, path)
    return path


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    return tmp_path / "lake"


def pg_tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


def as_postgres(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server for DuckLake catalogs: ``(host, port, user)``. Skipped without PostgreSQL."""
    if not (pg_tool("initdb") and pg_tool("pg_ctl")):
        pytest.skip("PostgreSQL (initdb, pg_ctl) is not installed; `sudo make test-deps` installs it, as .ci/run does")
    base = Path(tempfile.mkdtemp(prefix="news-etl-pg-"))
    os.chmod(base, 0o755)
    data, sock, port = base / "data", base / "sock", free_port()
    data.mkdir()
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
        shutil.chown(sock, "postgres")
    for cmd in (
        [pg_tool("initdb"), "-D", str(data), "-U", "lake", "--auth=trust", "-E", "UTF8"],
        [
            pg_tool("pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(data / "server.log"),
            "-o",
            f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ],
    ):
        done = subprocess.run(as_postgres(cmd), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    try:
        yield "127.0.0.1", port, "lake"
    finally:
        subprocess.run(
            as_postgres([pg_tool("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_catalog(pg_server) -> str:
    """A fresh PostgreSQL database as a DuckLake catalog: the ``NEWS_ETL_CATALOG`` value for it."""
    import uuid

    host, port, user = pg_server
    name = f"lake_{uuid.uuid4().hex[:12]}"
    done = subprocess.run(
        as_postgres([pg_tool("createdb"), "-h", host, "-p", str(port), "-U", user, name]),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return f"postgres:dbname={name} host={host} port={port} user={user}"


def s3rver_bin() -> str | None:
    found = shutil.which("s3rver")
    local = ROOT / ".cache" / "s3rver" / "node_modules" / ".bin" / "s3rver"
    return found or (str(local) if local.exists() and shutil.which("node") else None)


@pytest.fixture(scope="session")
def s3_server():
    """A local S3 server (s3rver, from npm) with a bucket ``news``: the environment a lake on it needs.
    Skipped without s3rver (``.ci/run`` installs it)."""
    import signal
    import socket
    import time

    if s3rver_bin() is None:
        pytest.skip("s3rver (npm) is not installed; `sudo make test-deps` installs it, as .ci/run does")
    base = Path(tempfile.mkdtemp(prefix="news-etl-s3-"))
    port = free_port()
    server = subprocess.Popen(
        [
            s3rver_bin(),
            "-d",
            str(base),
            "--port",
            str(port),
            "--address",
            "127.0.0.1",
            "--configure-bucket",
            "news",
            "--silent",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    env = {
        "AWS_ACCESS_KEY_ID": "S3RVER",
        "AWS_SECRET_ACCESS_KEY": "S3RVER",
        # s3rver predates the AWS SDK's default aws-chunked checksums (as older MinIO and Ceph releases do).
        "AWS_REQUEST_CHECKSUM_CALCULATION": "WHEN_REQUIRED",
        "NEWS_ETL_S3_ENDPOINT": f"127.0.0.1:{port}",
        "NEWS_ETL_S3_USE_SSL": "false",
    }
    try:
        yield env
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)


def lake_of(folder: Path):
    """The :class:`~news_etl.lake.Lake` whose folder is ``folder`` (catalog and data inside it)."""
    from news_etl.lake import Lake
    from news_etl.settings import get_settings

    return Lake.of(get_settings().with_paths(lake=folder))


def sql_rows(folder: Path, sql: str, at: str | int | None = None) -> list[tuple]:
    """Rows of a read-only query on the lake in ``folder``."""
    from news_etl import lake as lakes

    return lakes.query(lake_of(folder), sql, at=at)[1]


def read_table(folder: Path, table: str, columns: list[str] | None = None):
    """A lake table (or some of its columns) as Arrow, in its schema."""
    from news_etl import lake as lakes

    return lakes.read(lake_of(folder), table, columns)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """End with what was skipped and how to get it run: a green run that skipped the browser or the
    distributed test has not shown what CI shows."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    terminalreporter.section("skipped tests")
    reasons = []
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reasons.append(reason.removeprefix("Skipped: "))
        terminalreporter.write_line(f"{report.nodeid}: {reasons[-1]}")
    packages = sum(1 for r in reasons if "test-deps" in r or "not installed" in r)
    line = f"{len(skipped)} test(s) skipped."
    if packages:
        line += f" {packages} need system packages: sudo make test-deps installs them (as .ci/run does)."
    if len(skipped) > packages:
        line += f" {len(skipped) - packages} need ../shared beside the project (the data the checkout comes with)."
    terminalreporter.write_line(line)
