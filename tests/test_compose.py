"""The deployment's docker-compose.yaml: structure checked here, syntax by `docker-compose config -q`."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from .conftest import ROOT

COMPOSE = ROOT / "docker-compose.yaml"
AIRFLOW_SERVICES = {
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-worker",
    "airflow-triggerer",
    "airflow-init",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_services_of_the_celery_stack(compose: dict) -> None:
    assert set(compose["services"]) == AIRFLOW_SERVICES | {"postgres", "redis", "minio", "minio-init"}
    # The object store is opt-in: a plain `docker compose up` starts the Airflow stack only.
    assert all(compose["services"][name].get("profiles") == ["object-store"] for name in ("minio", "minio-init"))
    commands = {name: compose["services"][name].get("command") for name in AIRFLOW_SERVICES - {"airflow-init"}}
    assert commands == {
        "airflow-apiserver": "api-server",
        "airflow-scheduler": "scheduler",
        "airflow-dag-processor": "dag-processor",
        "airflow-worker": "celery worker",
        "airflow-triggerer": "triggerer",
    }


def test_airflow_services_build_the_project_image_and_mount_the_project(compose: dict) -> None:
    for name in AIRFLOW_SERVICES:
        svc = compose["services"][name]
        assert svc["build"] == "."
        # "${AIRFLOW_PROJ_DIR:-.}/dags:/opt/airflow/dags[:ro]" -> the container path
        mounts = {re.search(r":(/opt/airflow/[^:]*)", v).group(1) for v in svc["volumes"]}
        assert {
            "/opt/airflow/dags",
            "/opt/airflow/plugins",
            "/opt/airflow/include",
            "/opt/airflow/seeds",
            "/opt/airflow/data",
        } <= mounts, name
        env = svc["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
        assert env["PYTHONPATH"] == "/opt/airflow/include"
        assert "postgres" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        assert env["NEWS_ETL_LAKE"].endswith("/opt/airflow/data/lake}")
        assert "psycopg2" in env["AIRFLOW__CELERY__RESULT_BACKEND"]  # SQLAlchemy 2.1 defaults to psycopg 3
        assert env["NEWS_ETL_CATALOG"].startswith("${NEWS_ETL_CATALOG:-postgres:dbname=news_lake host=postgres")
        assert "NEWS_ETL_DATA_PATH" in env and "NEWS_ETL_S3_ENDPOINT" in env
    assert "news-data" in compose["volumes"]
    # The catalog database is created with the Postgres volume.
    init = [v for v in compose["services"]["postgres"]["volumes"] if "docker-entrypoint-initdb.d" in v]
    assert init and "create database news_lake" in (ROOT / "scripts" / "postgres-init.sql").read_text()


def test_dockerfile_installs_the_pinned_requirements() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "FROM apache/airflow:3.3.2" in text
    assert "-r /opt/airflow/requirements.txt" in text


def test_every_requirement_is_pinned_exactly() -> None:
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "-r")):
                assert "==" in line and not any(c in line for c in "<>~*"), f"{name}: {line}"


@pytest.mark.skipif(
    shutil.which("docker-compose") is None,
    reason="docker-compose (Debian package) not installed; `sudo make test-deps` installs it",
)
def test_docker_compose_accepts_the_file() -> None:
    done = subprocess.run(
        ["docker-compose", "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr


def test_ci_entry_point_is_valid_bash_and_runs_the_readme_test_command() -> None:
    ci = ROOT / ".ci" / "run"
    result = subprocess.run(["bash", "-n", str(ci)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert ci.read_text().rstrip().endswith("make test")
    deps = ROOT / "scripts" / "install-test-deps.sh"
    assert subprocess.run(["bash", "-n", str(deps)], capture_output=True, text=True).returncode == 0
    assert "scripts/install-test-deps.sh" in ci.read_text()  # one list of system packages, for CI and people


def test_make_help_lists_every_target() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))
    shown = subprocess.run(["make", "-s", "help"], capture_output=True, text=True, cwd=ROOT).stdout
    listed = set(re.findall(r"^  make (\S+)", shown, flags=re.MULTILINE))
    assert targets == listed, f"targets without a '## name: ...' line: {sorted(targets - listed)}"
