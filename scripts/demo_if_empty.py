"""Load the demo data (`starbranch demo`) when the app's database has no organisation yet."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    from sqlalchemy import func, select

    from core.app import create_app
    from core.org.models import OrgNode

    app = create_app()
    with app.app_context():
        db = app.extensions["starbranch.db"]
        with db.session_factory() as session:
            count = session.scalar(select(func.count(OrgNode.id)))
    if count:
        print(f">> database already has data ({count} organisations); demo not loaded")
        return 0
    starbranch = Path(sys.executable).with_name("starbranch")
    return subprocess.call([str(starbranch), "demo"])


if __name__ == "__main__":
    raise SystemExit(main())
