"""Pre-release: delete every revision and re-autogenerate one initial revision per
lineage (core, then each plugin) from the current models.

    .venv/bin/python scripts/regenerate_migrations.py

Uses a throw-away SQLite file as the comparison database, so nothing else is touched."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.migrate.service import PROJECT_ROOT, regenerate_initial  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'scratch.sqlite'}"
        files = regenerate_initial(url)
    for path in files:
        print("wrote", path.relative_to(PROJECT_ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
