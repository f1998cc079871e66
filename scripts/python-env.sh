#!/usr/bin/env bash
# Creates (or refreshes) the project-local Python virtual environment with the
# pinned moto server and checkov. Idempotent: a stamp file records the hash of
# the requirement files, so a second run costs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.requirements.sha256"
want="$(cat requirements.txt python-constraints.txt | sha256sum | cut -d' ' -f1)"

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" && -x "$VENV/bin/moto_server" && -x "$VENV/bin/checkov" ]]; then
  exit 0
fi

PYTHON="${PYTHON:-python3}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "python-env: '$PYTHON' not found. Install Python 3.9+ (e.g. apt-get install python3 python3-venv) or set PYTHON=/path/to/python3." >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)'; then
  echo "python-env: $("$PYTHON" --version 2>&1) is too old; moto needs Python 3.9+. Set PYTHON=/path/to/python3.9+." >&2
  exit 1
fi

echo "python-env: installing moto[server] and checkov into $VENV (first run only)..." >&2
if [[ ! -x "$VENV/bin/python" ]]; then
  if ! "$PYTHON" -m venv "$VENV"; then
    echo "python-env: '$PYTHON -m venv' failed. Install the venv module (e.g. apt-get install python3-venv) and retry." >&2
    exit 1
  fi
fi
if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt -c python-constraints.txt; then
  echo "python-env: pip could not install requirements.txt. Check access to PyPI (or set PIP_INDEX_URL) and retry; delete $VENV to start clean." >&2
  exit 1
fi
echo "$want" > "$STAMP"
