"""Extract the Chinese msgids, update the English catalog, compile.

    .venv/bin/python scripts/translations.py            # extract + update + compile
    .venv/bin/python scripts/translations.py --compile  # compile only (set-up does this)

Besides the strings marked in code (`_()`, `gettext`, `lazy_gettext`/`_l`) the catalog
gets the strings the templates translate dynamically: menu sections and labels (from
the menu hook of the core and all plugins), role labels, plugin labels and summaries,
scoring methods and star gates, and the select-choice labels of the forms
(core.forms_util.choices_of)."""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TRANSLATIONS = ROOT / "core" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"


def pybabel(*args):
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), *args], cwd=ROOT, check=True)


def dynamic_strings() -> list[str]:
    from core.app import create_app
    from core.auth.models import ROLES

    app = create_app({"DATABASE_URL": "sqlite://", "ENV": "testing", "SECRET_KEY": "x"})
    registry = app.extensions["starbranch.plugins"]
    items = [i for batch in registry.hook.starbranch_menu_items() for i in batch]
    found = [s for i in items for s in (i.section, i.label)]
    found += list(ROLES.values())
    from core.scoring.models import TIERS

    found += [text for label_and_focus in TIERS.values() for text in label_and_focus]
    found += [m.label for m in registry.manifests.values()]
    found += [m.summary for m in registry.manifests.values() if m.summary]
    # scoring methods (indicator kinds) and star gates of the core and the plugins
    found += [k.label for batch in registry.hook.starbranch_indicator_kinds() for k in batch or ()]
    found += [g.label for batch in registry.hook.starbranch_star_gates()
              for g in ((batch or {}).values() if isinstance(batch, dict) else batch or ()) if hasattr(g, "label")]
    from core.forms_util import CHOICE_LABELS  # filled as the views' forms were imported

    found += sorted(CHOICE_LABELS)
    return list(dict.fromkeys(found))


def extract(pot: Path) -> None:
    from babel.messages.pofile import read_po, write_po

    pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--no-location",
            "--sort-output", "-o", str(pot), ".")
    with open(pot, "rb") as f:
        catalog = read_po(f)
    for text in dynamic_strings():
        if text not in catalog:
            catalog.add(text, auto_comments=["dynamic: menu entry, role, plugin or choice label"])
    with open(pot, "wb") as f:
        write_po(f, catalog, no_location=True, sort_output=True)


def update(pot: Path) -> None:
    if PO.exists():
        pybabel("update", "-i", str(pot), "-d", str(TRANSLATIONS), "-l", "en", "--no-fuzzy-matching",
                "--ignore-obsolete")
    else:
        pybabel("init", "-i", str(pot), "-d", str(TRANSLATIONS), "-l", "en")


def compile_catalogs() -> None:
    pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--compile", action="store_true", help="only compile the catalogs")
    args = parser.parse_args()
    if not args.compile:
        with tempfile.TemporaryDirectory() as tmp:
            pot = Path(tmp) / "messages.pot"
            extract(pot)
            update(pot)
    compile_catalogs()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
