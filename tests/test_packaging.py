"""A built wheel works: it holds every file of the package (rules, models, SQL, suites, static pages), and,
installed in a fresh virtualenv, it ingests the seeds, checks them and answers an example query."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT, SEEDS


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # A clean copy of the sources: an in-tree build would reuse a build/ folder left by an earlier one.
    src = tmp_path_factory.mktemp("src")
    shutil.copy(ROOT / "pyproject.toml", src)
    shutil.copytree(
        ROOT / "include", src / "include", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    )
    # --no-build-isolation: the build uses the pinned setuptools of requirements-dev.txt, offline.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(out),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (built,) = out.glob("news_etl-*.whl")
    return built


def test_the_wheel_holds_every_file_of_the_package(wheel: Path) -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "include/news_etl"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout: the package's file list is unknown")
    expected = {p.removeprefix("include/") for p in tracked}
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(expected - names)
    assert not missing, f"the wheel lacks {missing[:20]} (pyproject.toml [tool.setuptools.package-data])"


def test_the_installed_wheel_ingests_the_seeds(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    # The fresh environment sees this one's dependencies (a .pth line adds their folder to its path), but not
    # this checkout: the editable install's own .pth is not read from a folder added that way.
    deps = sysconfig.get_paths()["purelib"]
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "deps.pth").write_text(deps + "\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    python, cli = venv / "bin" / "python", venv / "bin" / "news-etl"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWS_ETL_", "PYTHONPATH"))}
    where = subprocess.run(
        [python, "-c", "import news_etl; print(news_etl.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(venv)), f"news_etl was imported from {where}, not from the installed wheel"

    lake = tmp_path / "lake"

    def run(*args):
        return subprocess.run(
            [str(cli), *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=600,
        )

    ingest = run("ingest", "--inbox", str(SEEDS), "--lake", str(lake))
    assert ingest.returncode == 0, ingest.stderr[-3000:]
    summary = json.loads(ingest.stdout)
    assert summary["articles_published"] == 5 and summary["files_quarantined"] == 0
    # The suites, the report's SQL and the Data Docs' static files come from the wheel too.
    report = run("report", "--lake", str(lake))
    assert report.returncode == 0, report.stderr[-3000:]
    assert json.loads(report.stdout)["success"] and (lake / "_reports" / "report.html").is_file()
    query = run("sql", "--example", "most_quoted", "--lake", str(lake))
    assert query.returncode == 0 and "Adrienne Watson" in query.stdout, query.stderr[-3000:]
    # The trained line model shipped and ran (without it the cleaner falls back to the rules alone).
    rules = run("sql", "select count(*) from boilerplate_removed where rule = 'line_model'", "--lake", str(lake))
    assert rules.returncode == 0 and rules.stdout.split()[2] != "0", rules.stdout
