"""Document types: what a type is (code, label, template, data builder, who may issue),
the papers a builder returns, and the registry gathered through the
`starbranch_document_types` hook (the core's own four types come through it too).

Contract for a data builder (`DocumentType.build(session, request) -> list[Paper]`):
- it reads what it needs and returns one Paper per document to issue, with plain,
  JSON-able data only (str, int, float, bool, None, lists and dicts of them): the
  template sees exactly `Paper.context` (plus issuer, colour, seal, serial, number, qr,
  issued_on added by the register), and the register hashes it;
- `Paper.fields` are the (label, value) pairs printed on the paper — the public
  verification page shows these and nothing else, so list only what the paper shows;
- it refuses with `DocumentRefused(message)` (nothing is issued) when the data is not
  final or not there; it never writes to the database;
- `request.branch_ids` / `request.unit_id` narrow the set; scoping of who may issue is
  `DocumentType.may_issue(user)`, and the register checks every paper's branch against
  the user's scope as well.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

DEFAULTS = Path(__file__).parent / "defaults"


class DocumentRefused(Exception):
    """The document cannot be issued now; the message says why (shown to the user)."""


@dataclass(frozen=True)
class IssueRequest:
    """What to issue: a type's documents for a window, optionally narrowed."""

    doc_type: str
    period_key: str
    branch_ids: Sequence[int] | None = None
    unit_id: int | None = None


@dataclass
class Paper:
    """One document a builder wants issued."""

    #: Stable identity within (type, period) — "branch:12", "group", "unit:3".
    subject: str
    recipient: str
    title: str
    period_key: str
    #: Everything the template sees (plain JSON-able data).
    context: dict
    #: (label, value) pairs printed on the paper; the verification page shows these.
    fields: list[tuple[str, str]] = field(default_factory=list)
    branch_id: int | None = None
    unit_id: int | None = None


def admins_only(user) -> bool:
    return getattr(user, "role", None) == "admin"


@dataclass(frozen=True)
class DocumentType:
    """A kind of document. `template` is the default Jinja/HTML source (admins may
    replace it); `face` the main font face ("kai" 楷体 or "ming" 宋体)."""

    code: str
    label: str
    template: str
    build: Callable[..., list[Paper]]
    may_issue: Callable[..., bool] = admins_only
    face: str = "ming"
    #: Takes a 文号 (numbered per issuer and year), like a commendation decision.
    numbered: bool = False
    #: Most pages one document may have (a bigger one is refused).
    max_pages: int = 20
    #: Shown in bulk issue (one document per branch) — certificates.
    bulk: bool = False
    #: The template editor's preview data (what `build` would put in Paper.context, plus
    #: title and recipient).
    sample: dict = field(default_factory=dict)
    plugin: str | None = None


def default_template(name: str) -> str:
    """A default template shipped in core/documents/defaults/."""
    return (DEFAULTS / name).read_text(encoding="utf-8")


def document_types(app) -> dict[str, DocumentType]:
    """The app's document types (built once per app from the hook)."""
    types = app.extensions.get("starbranch.documents")
    if types is None:
        types = app.extensions["starbranch.documents"] = registry(app.extensions["starbranch.plugins"])
    return types


def registry(plugins) -> dict[str, DocumentType]:
    """code → DocumentType from every plugin (and the core). A duplicate code is an
    error (ValueError)."""
    out: dict[str, DocumentType] = {}
    for batch in plugins.hook.starbranch_document_types():
        for doc_type in batch or []:
            if doc_type.code in out:
                raise ValueError(f"document type {doc_type.code!r} is defined twice")
            out[doc_type.code] = doc_type
    return out


def require_year(request: IssueRequest, refusal: str):
    """The request's period as a year key, or DocumentRefused: `refusal` when it is a
    month or quarter, the parse error when it is not a period at all."""
    from core.periods.keys import PeriodKey

    try:
        pk = PeriodKey.parse(request.period_key)
    except ValueError as exc:
        raise DocumentRefused(str(exc)) from None
    if pk.kind != "year":
        raise DocumentRefused(refusal)
    return pk
