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
