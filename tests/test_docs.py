"""The documentation builds offline with warnings as errors, and documents
every public name."""
import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import imgconv

DOCS = Path(__file__).parent.parent / "docs"


def test_api_reference_lists_every_public_name():
    api = (DOCS / "api.rst").read_text()
    documented = set(re.findall(r"^\.\. auto(?:function|class):: (\w+)", api, re.M))
    assert documented == set(imgconv.__all__)


def test_performance_table_has_a_row_per_benchmark_group():
    with open(DOCS / "performance.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows, "docs/performance.csv is empty: run bench/report.py on a benchmark JSON"
    for row in rows:
        assert float(row["imgconv_ms"]) > 0 and float(row["anchor_ms"]) > 0
        assert float(row["speedup"]) == pytest.approx(
            float(row["anchor_ms"]) / float(row["imgconv_ms"]), rel=0.02, abs=0.01)


@pytest.mark.skipif(bool(os.environ.get("IMGCONV_SANITIZED")),
                    reason="matplotlib's C++ exceptions abort under the preloaded ASan runtime")
def test_sphinx_build_has_no_warnings(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    pytest.importorskip("matplotlib")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")],
        capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "Agg"})
    assert result.returncode == 0, result.stdout + result.stderr
    html = tmp_path / "html"
    for page in ["index", "install", "quickstart", "conventions", "algorithms", "resizing",
                 "libraries", "performance", "api"]:
        assert (html / f"{page}.html").is_file(), page
    assert len(list((html / "_images").glob("*.png"))) >= 8
