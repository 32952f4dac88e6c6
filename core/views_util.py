"""Helpers the views share for the same few moves around a service call: commit it or roll
back and show the refusal (on its form field, as a flash, or to the caller), read the
optimistic-lock version a form posted, flash a form's errors, and the
deactivate/reactivate pattern. (core/web.py holds paging and formatting.)"""
from __future__ import annotations

from flask import abort, flash, redirect
from flask_babel import gettext as _

from core.formatting import sep


def refuse_on_form(form, exc) -> None:
    """Put a service refusal on the field it names (``exc.field``), or flash it for the
    whole form."""
    field_name = getattr(exc, "field", None)
    target = getattr(form, field_name, None) if field_name else None
    if target is not None:
        target.errors = list(target.errors) + [str(exc)]
    else:
        flash(str(exc), "error")


class attempt:
    """Run a service call as one unit of work::

        with attempt(db, LedgerError, PeriodLocked) as done:
            delete_record(db, ...)
        if done: ...

    On leaving the block the session is committed. If the block (or the commit) raises one
    of the ``refused`` exceptions the session is rolled back, the exception is swallowed
    and kept on ``.error``, and it is shown: put on its field of ``form`` if given, else
    flashed — unless ``quiet`` (the caller renders ``.error`` itself). Any other exception
    propagates. The object is true when the work was committed."""

    def __init__(self, db, *refused: type[BaseException], form=None, quiet: bool = False):
        self.db, self.refused, self.form, self.quiet = db, refused, form, quiet
        self.ok = False
        self.error: BaseException | None = None

    def __enter__(self) -> attempt:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            try:
                self.db.commit()
            except self.refused as refusal:
                return self._refused(refusal)
            self.ok = True
            return False
        if issubclass(exc_type, self.refused):
            return self._refused(exc)
        return False

    def _refused(self, exc) -> bool:
        self.db.rollback()
        self.error = exc
        if self.form is not None:
            refuse_on_form(self.form, exc)
        elif not self.quiet:
            flash(str(exc), "error")
        return True

    def __bool__(self) -> bool:
        return self.ok


def get_or_404(db, model, ident):
    """db.get(model, ident), or 404 when there is no such row (for rows every user of the
    view may see; scoped rows go through core.auth.scoping)."""
    obj = db.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def send_upload(path, content_type: str, name: str):
    """A stored upload (ledger attachment, honour or plugin evidence) as a download under
    its original name (core.ledger.storage.download_response: cleaned name, never
    inline, never sniffed, sandboxed); 404 when the file is gone."""
    from core.ledger.storage import download_response

    if not path.is_file():
        abort(404)
    return download_response(path, name, content_type)


def posted_version(form) -> int | None:
    """The optimistic-lock version a form carried back (its ``version`` hidden field), or
    None when missing or not a number."""
    value = form.version.data
    if isinstance(value, int):
        return value
    return int(value) if (value or "").isdigit() else None


def flash_form_errors(form) -> None:
    """Flash all of a form's field errors as one message (for forms posted from a page
    that does not re-render them)."""
    flash(sep("semicolon").join(e for errs in form.errors.values() for e in errs), "error")


def toggle_active(db, setter, obj, active: bool, *, name: str, refused, next_url: str):
    """Deactivate (停用) or reactivate (恢复) ``obj`` through ``setter(db, obj, active,
    actor=current_user)``, commit and flash the outcome, then redirect to ``next_url``."""
    from flask_login import current_user

    with attempt(db, refused) as done:
        setter(db, obj, active, actor=current_user)
    if done:
        flash(_("已恢复：%(n)s", n=name) if active else _("已停用：%(n)s", n=name), "success")
    return redirect(next_url)
