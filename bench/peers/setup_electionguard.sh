#!/usr/bin/env bash
# Create bench/.venv-eg: a Python 3.10 virtualenv with electionguard 1.4.0 and the pins in
# electionguard-requirements.txt, for bench/peers/electionguard_bench.py.
#
#   bash bench/peers/setup_electionguard.sh        # idempotent; prints the venv's python
#
# electionguard 1.4.0 does not import on Python 3.11+, so this needs a Python 3.10: $EG_PYTHON,
# else pyenv's 3.10.13, else any pyenv 3.10.x, else python3.10 on PATH. Exit codes: 0 ready,
# 2 no Python 3.10, 3 the install failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$(cd "$here/.." && pwd)/.venv-eg"
reqs="$here/electionguard-requirements.txt"
stamp="$venv/.plebiscite-requirements.sha256"

is_py310() {
    [ -n "$1" ] && [ -x "$1" ] &&
        "$1" -c 'import sys, venv; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' \
            >/dev/null 2>&1
}

find_python() {
    local candidates=()
    [ -n "${EG_PYTHON:-}" ] && candidates+=("$EG_PYTHON")
    local pyenv_root="${PYENV_ROOT:-/root/.pyenv}"
    candidates+=("$pyenv_root/versions/3.10.13/bin/python")
    local found
    for found in "$pyenv_root"/versions/3.10.*/bin/python; do
        [ -e "$found" ] && candidates+=("$found")
    done
    found="$(command -v python3.10 || true)"
    [ -n "$found" ] && candidates+=("$found")
    local c
    for c in "${candidates[@]}"; do
        if is_py310 "$c"; then
            echo "$c"
            return 0
        fi
    done
    return 1
}

want="$(sha256sum "$reqs" | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
    "$venv/bin/python" -c 'import electionguard, electionguard_tools, hypothesis' \
        >/dev/null 2>&1; then
    echo "$venv/bin/python"
    exit 0
fi

if ! python="$(find_python)"; then
    echo "error: no Python 3.10 found (electionguard 1.4.0 needs it): tried \$EG_PYTHON," \
        "${PYENV_ROOT:-/root/.pyenv}/versions/3.10.*/bin/python and python3.10 on PATH;" \
        "install one, e.g. 'pyenv install 3.10.13', or set EG_PYTHON" >&2
    exit 2
fi

echo "setting up $venv with $python" >&2
if [ ! -x "$venv/bin/python" ] || ! is_py310 "$venv/bin/python"; then
    rm -rf "$venv"
    "$python" -m venv "$venv"
fi
if ! "$venv/bin/pip" install -q -r "$reqs" >&2 ||
    ! "$venv/bin/python" -c 'import electionguard, electionguard_tools, hypothesis' >&2; then
    echo "error: installing electionguard==1.4.0 from $reqs into $venv failed" \
        "(PyPI unreachable, or a pin no longer installs)" >&2
    exit 3
fi
echo "$want" >"$stamp"
echo "$venv/bin/python"
