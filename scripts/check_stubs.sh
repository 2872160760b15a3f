#!/usr/bin/env bash
# Check the stubs of the compiled modules (imgconv/_ext/*.pyi) against the
# modules themselves with mypy's stubtest, at every CPU level this build holds
# and this CPU runs (each level's modules are registered as imgconv._ext.<name>
# when loaded, the names the stubs describe):
#   scripts/check_stubs.sh [stubtest args]
# A kernel module without a stub fails. Needs mypy (pip install ".[lint]").
set -euo pipefail
cd "$(dirname "$0")/.."
read -r levels modules < <(env -u IMGCONV_CPU python -c "from imgconv._ext import runtime
info = runtime.build_info()
levels = [l for l in info['levels'] if l in runtime.cpu_levels()]
print(','.join(levels), ' '.join(['runtime'] + info['modules']))")
for level in ${levels//,/ }; do
    echo "== stubtest at IMGCONV_CPU=$level: $modules"
    IMGCONV_CPU=$level python -m mypy.stubtest --mypy-config-file pyproject.toml \
        --allowlist .ci/stubtest-allowlist.txt \
        $(for m in $modules; do echo "imgconv._ext.$m"; done) "$@"
done
