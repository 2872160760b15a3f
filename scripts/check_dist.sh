#!/usr/bin/env bash
# Build the sdist and the wheel with `python -m build` (the wheel is built
# from the sdist), check what the sdist holds, then install each in a scratch
# venv and run the tests against the installed package:
#   scripts/check_dist.sh [pytest args]
# The venvs reuse this Python's installed dependencies and build tools
# (--system-site-packages, --no-build-isolation): nothing is downloaded but
# what `build` itself needs. The tests run from a folder without the package
# sources, so that `import imgconv` finds the installed one. Needs `build`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python -m build --no-isolation --outdir "$work/dist" "$root" >"$work/build.log" 2>&1 \
    || { cat "$work/build.log"; exit 1; }
sdist=$(ls "$work"/dist/*.tar.gz)
wheel=$(ls "$work"/dist/*.whl)
echo "built $(basename "$sdist") and $(basename "$wheel")"

# the sdist: every source the build reads, none of the build's products
listing=$(tar tzf "$sdist")
for needed in setup.py pyproject.toml README.md MANIFEST.in imgconv/__init__.py \
              imgconv/_ext/__init__.py imgconv/py.typed \
              $(cd "$root" && ls pyx/*.pyx pyx/*.pxd imgconv/_ext/*.pyi); do
    grep -qx "[^/]*/$needed" <<<"$listing" || { echo "sdist lacks $needed"; exit 1; }
done
if grep -E '\.(c|so|pyd|html)$|/build/' <<<"$listing"; then
    echo "sdist holds build products (above)"; exit 1
fi
# the wheel: the typing marker and the stubs beside the compiled modules
wheel_listing=$(python -c "import sys, zipfile; print('\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))" "$wheel")
for needed in imgconv/py.typed $(cd "$root" && ls imgconv/_ext/*.pyi); do
    grep -qx "$needed" <<<"$wheel_listing" || { echo "wheel lacks $needed"; exit 1; }
done

# the tests and what they read, without the package
mkdir "$work/tests"
cp -r "$root/tests" "$root/docs" "$root/pyx" "$root/conftest.py" "$root/pyproject.toml" \
    "$work/tests/"
for kind in sdist wheel; do
    venv="$work/venv-$kind"
    python -m venv --system-site-packages --without-pip "$venv"
    file=$([ "$kind" = sdist ] && echo "$sdist" || echo "$wheel")
    echo "== $kind: pip install $(basename "$file")"
    # --ignore-installed: this Python may have imgconv installed (editable) already
    "$venv/bin/python" -m pip install --quiet --no-build-isolation --no-deps \
        --ignore-installed --no-cache-dir "$file"
    package=$(cd "$work/tests" && "$venv/bin/python" -c \
        "import os, imgconv; print(os.path.dirname(imgconv.__file__))")
    case "$package" in
        "$venv"/*) ;;
        *) echo "imported imgconv from $package, not from the $kind's venv"; exit 1 ;;
    esac
    (cd "$work/tests" && "$venv/bin/imgconv" --help >/dev/null \
        && "$venv/bin/python" -m pytest -p no:cacheprovider -q "$package" tests "$@")
done
