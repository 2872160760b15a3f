#!/usr/bin/env bash
# Run the tests of the compiled kernels under other CPU levels than the one
# `import imgconv` picks by itself (which the ordinary test run covers), among
# those this build holds and this CPU runs (IMGCONV_CPU=baseline, v3, v4):
#   scripts/test_levels.sh [--all] [pytest args]
# --all runs the picked level too. The tests that do not depend on the
# kernels' instructions (command line, documentation, memory growth) run once,
# in the ordinary test run.
set -euo pipefail
cd "$(dirname "$0")/.."
all=0
if [ "${1:-}" = --all ]; then all=1; shift; fi
levels=$(env -u IMGCONV_CPU python -c "from imgconv import _ext
from imgconv._ext import runtime
runnable = [l for l in runtime.build_info()['levels'] if l in runtime.cpu_levels()]
print(' '.join(l for l in runnable if $all or l != _ext.LEVEL))")
if [ -z "$levels" ]; then
    echo "one CPU level built or runnable here: nothing more to test"
fi
for level in $levels; do
    echo "== kernel tests at IMGCONV_CPU=$level"
    IMGCONV_CPU=$level python -m pytest -p no:cacheprovider -q imgconv tests \
        --ignore=tests/test_cli.py --ignore=tests/test_docs.py --ignore=tests/test_leaks.py "$@"
done
