#!/usr/bin/env bash
# Make sure `python3.11` with the venv module exists; say exactly what to install if not.
set -euo pipefail
PYTHON=${1:-python3.11}
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "ERROR: $PYTHON not found. starbranch needs Python 3.11." >&2
  echo "  Debian 12: sudo apt-get install python3.11 python3.11-venv" >&2
  echo "  or point the Makefile at another 3.11+: make PYTHON=/path/to/python3.11 ..." >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  echo "ERROR: $PYTHON is $("$PYTHON" --version 2>&1); starbranch needs Python 3.11 or newer." >&2
  exit 1
fi
if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "ERROR: $PYTHON has no venv/ensurepip module." >&2
  echo "  Debian 12: sudo apt-get install python3.11-venv" >&2
  exit 1
fi
