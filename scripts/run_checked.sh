#!/usr/bin/env bash
# Run the test suite against a checked build of the kernels:
#   scripts/run_checked.sh debug [pytest args]   Cython bounds/wraparound/initialized checks on
#   scripts/run_checked.sh asan  [pytest args]   AddressSanitizer (raw-pointer overruns too)
# The build is made in a scratch copy of the working tree, so the normal
# in-place or editable build stays as it is. Exits with pytest's status.
# The checks are in the C that Cython writes, the same for every CPU level,
# and -O0 does not vectorise: the baseline alone is built unless
# IMGCONV_CPU_LEVELS says otherwise.
set -euo pipefail
kind=${1:-}
shift || true
case "$kind" in
    debug) build_env=(IMGCONV_DEBUG=1) ;;
    asan) build_env=(IMGCONV_ASAN=1) ;;
    *) echo "usage: $0 debug|asan [pytest args...]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$root" ls-files -z --cached --others --exclude-standard \
    | tar -C "$root" --null --ignore-failed-read -T - -cf - | tar -C "$work" -xf -

cd "$work"
env "${build_env[@]}" IMGCONV_CPU_LEVELS="${IMGCONV_CPU_LEVELS:-baseline}" \
    python setup.py -q build_ext --inplace >build.log 2>&1 \
    || { cat build.log; exit 1; }

run_env=()
if [ "$kind" = asan ]; then
    # Python itself is not instrumented: load the runtime first, and leave
    # leak checking to tests/test_leaks.py (CPython's arenas look like leaks).
    run_env=(LD_PRELOAD="$(gcc -print-file-name=libasan.so)"
             ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:strict_init_order=1
             IMGCONV_SANITIZED=1)
fi
# The benchmarks' large inputs are slow without optimisation: the tests only.
env "${run_env[@]}" python -m pytest -p no:cacheprovider -q imgconv tests "$@"
