#!/usr/bin/env bash
# Installs what Lariat needs and skips what is there. Run by scripts/demo
# and scripts/test. Usage: setup.sh [--venv]   (--venv: also the test venv)
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libzmq3-dev libopenblas-dev libpng-dev libhdf5-dev
              libfreetype-dev fonts-dejavu-core libedit-dev pkg-config)

# The test venv needs Python with venv (Debian splits it out of python3);
# the fuzz test measures peak memory with GNU time (/usr/bin/time).
[ "${1:-}" = "--venv" ] && APT_PACKAGES+=(python3 python3-venv time)

missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--venv" ]; then
    stamp=.venv/.requirements-installed
    [ -x .venv/bin/python ] || python3 -m venv .venv
    if ! cmp -s requirements-test.txt "$stamp" 2>/dev/null; then
        echo "setup: installing the test venv from requirements-test.txt" >&2
        .venv/bin/python -m pip install -q --upgrade pip >/dev/null
        .venv/bin/python -m pip install -q -r requirements-test.txt
        cp requirements-test.txt "$stamp"
    fi
    # The papermill translator for Lariat (python/papermill_lariat), installed
    # as a copy (not editable); again whenever one of its files changes.
    pm_stamp=.venv/.papermill-lariat-installed
    pm_hash=$(cd python/papermill_lariat && find . -type f \( -name '*.py' -o -name '*.toml' -o -name '*.md' \) \
              -not -path './build/*' -not -path '*.egg-info/*' | LC_ALL=C sort | xargs sha256sum | sha256sum)
    if [ "$pm_hash" != "$(cat "$pm_stamp" 2>/dev/null)" ]; then
        echo "setup: installing python/papermill_lariat into the test venv" >&2
        .venv/bin/python -m pip install -q ./python/papermill_lariat
        rm -rf python/papermill_lariat/build python/papermill_lariat/*.egg-info
        echo "$pm_hash" > "$pm_stamp"
    fi
fi
