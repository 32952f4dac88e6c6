"""Database migrations: one Alembic environment (`migrations/`) whose version
locations join the core lineage (branch label ``core``) and one lineage per plugin
(``plugins/<name>/migrations/versions``, branch label = the plugin's name).

`service` holds plain functions (upgrade, downgrade, current, revision,
regenerate_initial); `commands` exposes them as ``starbranch db …``."""
