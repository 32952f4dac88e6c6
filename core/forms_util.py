"""Helpers for WTForms select choices, in the form WTForms supports (SelectChoice objects;
tuples are deprecated since WTForms 3.3)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import lazy_gettext
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

try:  # WTForms >= 3.3 (older versions take (value, label) tuples)
    from wtforms import SelectChoice
except ImportError:  # pragma: no cover - WTForms 3.1/3.2
    def SelectChoice(value, label, render_kw=None):  # noqa: N802
        return (value, label, render_kw or {})


def options(pairs: Iterable[tuple]) -> list[SelectChoice]:
    """Select choices from (value, label) pairs, labels shown as given (names, codes)."""
    return [SelectChoice(value=v, label=label) for v, label in pairs]


#: The Chinese labels passed to choices_of, translated at render time: extraction cannot see
#: them in the code, so scripts/translations.py adds them to the catalog from here.
CHOICE_LABELS: set[str] = set()


def choices_of(mapping: Mapping[str, str], *, blank=None) -> list[SelectChoice]:
    """Select choices from a code → Chinese label dict (the model constants), each label
    translated when shown; `blank` (a lazy_gettext string) adds a first "" choice."""
    CHOICE_LABELS.update(mapping.values())
    head = [SelectChoice(value="", label=blank)] if blank is not None else []
    return head + [SelectChoice(value=code, label=lazy_gettext(label)) for code, label in mapping.items()]


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (no Ctrl-click)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
