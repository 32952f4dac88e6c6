#!/usr/bin/env bash
# Pre-release: rewrite the initial Alembic revisions (core + each plugin) from the models.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
"$PY" scripts/regenerate_migrations.py
