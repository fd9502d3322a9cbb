# Shared by scripts/demo and scripts/test: create .venv with python3 (3.11+), install a requirements
# file and then this project itself, editable (so `.venv/bin/scopectl` works from any directory and
# runs this checkout's code), skipping the install when nothing changed since the last one (so a
# second run is fast). Sourced, not executed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

ensure_venv() {
  local reqs="$1"
  local py="${PYTHON:-python3}"
  if ! "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    echo "error: Scope Manager needs Python 3.11 or newer; '$py' is $("$py" --version 2>&1)." >&2
    echo "       Set PYTHON=/path/to/python3.11 and run again." >&2
    exit 1
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV" >&2
    "$py" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$(basename "$reqs")"
  local want
  want="$(cat "$ROOT/requirements.txt" "$ROOT/$reqs" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "==> installing $reqs into .venv" >&2
    # pip warns once per package about unreachable local index mirrors on some machines; those
    # lines say nothing about this project, so they are filtered (real errors still show).
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/$reqs" \
      2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
    # The project: its console script `scopectl` (pyproject.toml [project.scripts]); --no-deps because
    # the pinned requirements above are its dependencies.
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --editable "$ROOT" \
      2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
    echo "$want" > "$stamp"
  fi
}
