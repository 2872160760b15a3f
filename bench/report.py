"""Turn a pytest-benchmark JSON file into the documentation's performance table.

    python -m pytest bench --benchmark-enable --benchmark-json=bench.json
    python bench/report.py bench.json            # writes docs/performance.csv
    python bench/report.py images.json conv.json # runs of several files, one table

The table has one row per (group, anchor): imgconv's and the anchor's
median times in the same run and their ratio (> 1: imgconv faster). The
docs draw their performance plot from it (docs/_figures.py).
"""
import argparse
import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import ratio_table

DEFAULT_OUT = Path(__file__).parent.parent / "docs" / "performance.csv"


def rows_from_json(data):
    """Ratio rows from pytest-benchmark's JSON output."""
    return ratio_table((b["group"], b["extra_info"].get("library"), b["stats"]["median"])
                       for b in data["benchmarks"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", nargs="+", help="output(s) of --benchmark-json")
    parser.add_argument("-o", "--output", default=DEFAULT_OUT, help="CSV to write")
    args = parser.parse_args(argv)
    runs = [json.loads(Path(name).read_text()) for name in args.json]
    rows = rows_from_json({"benchmarks": [b for run in runs for b in run["benchmarks"]]})
    machine = runs[0].get("machine_info", {})
    with open(args.output, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["group", "anchor", "imgconv_ms", "anchor_ms", "speedup"])
        for group, anchor, ours, theirs, ratio in rows:
            writer.writerow([group, anchor, f"{ours * 1e3:.2f}", f"{theirs * 1e3:.2f}",
                             f"{ratio:.2f}"])
    print(f"{len(rows)} rows from {machine.get('cpu', {}).get('brand_raw', 'this machine')} "
          f"-> {args.output}")


if __name__ == "__main__":
    main()
