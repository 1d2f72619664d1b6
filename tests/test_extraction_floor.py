"""Quality floor on newsbench dev/ (slow: runs the real `news-etl ingest` on 3 x 201 pages; `pytest -m slow`)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import ROOT

BENCH = ROOT.parent / "shared" / "newsbench" / "dev"
#: What the project reaches today (bench-results/extraction.json), minus a small margin for noise.
FLOORS = {"article": 0.94, "full": 0.915, "html": 0.935}

pytestmark = pytest.mark.slow


@pytest.mark.skipif(not BENCH.is_dir(), reason="../shared/newsbench is not beside the project")
def test_body_f1_does_not_fall_below_the_floor(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "extraction.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "extraction.json").read_text())
    for track, floor in FLOORS.items():
        assert results[track]["body_f1"] >= floor, (track, results[track])
