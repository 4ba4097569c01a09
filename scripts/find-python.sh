#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter, or explain how to get one and fail.
# Order: $PYTHON (explicit override), pyenv's 3.10, python3.10 on the PATH.
set -euo pipefail

is_310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; }

if [ -n "${PYTHON:-}" ]; then
  if is_310 "$PYTHON"; then echo "$PYTHON"; exit 0; fi
  echo "error: PYTHON=$PYTHON is not a Python 3.10 interpreter (Rasa 3.6 needs 3.10)." >&2
  exit 1
fi
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for candidate in $(ls -d "$root"/versions/3.10* 2>/dev/null | sort -V -r); do
    if is_310 "$candidate/bin/python"; then echo "$candidate/bin/python"; exit 0; fi
  done
fi
if command -v python3.10 >/dev/null 2>&1 && is_310 "$(command -v python3.10)"; then
  command -v python3.10; exit 0
fi
cat >&2 <<'MSG'
error: no Python 3.10 found (Rasa 3.6 does not run on 3.11 or newer).
  Get one with pyenv:  pyenv install 3.10   (this project's .python-version selects it)
  or with your system: apt-get install python3.10 python3.10-venv
  or point to one:     make setup PYTHON=/path/to/python3.10
MSG
exit 1
