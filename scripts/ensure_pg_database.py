"""ensure_pg_database.py URL — create the PostgreSQL database named in URL if missing."""
from __future__ import annotations

import sys

import psycopg
from sqlalchemy.engine import make_url


def main(url: str) -> int:
    target = make_url(url)
    admin = target.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{target.database}"')
                print(f">> created database {target.database}")
    except psycopg.OperationalError as exc:
        print(f"ERROR: cannot reach PostgreSQL for {target.render_as_string()}: {exc}".strip(), file=sys.stderr)
        print("  Start PostgreSQL on 127.0.0.1 (Debian: sudo apt-get install postgresql) or set TEST_PG_URL.",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
