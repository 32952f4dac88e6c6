"""An uploaded file kept between its preview and the user's apply or cancel.

Decisions: the file is stored under UPLOAD_DIR/pending-imports with a random token and
the user's id, the import kind and the preview's digest; only that user may apply or
cancel it, for that kind, within IMPORT_PENDING_MINUTES (default 30); expired uploads
are removed whenever a new one is stored. Nothing about the upload is in the session
cookie but the token. The rows the preview parsed are kept beside the file (pickled,
signed with HMAC-SHA256 under SECRET_KEY and refused when the signature does not match),
so the apply does not parse a 100,000-row file a second time. An apply that runs as a job
(core.imports.jobs) takes the upload over: its files move to UPLOAD_DIR/import-jobs/<job>
(out of the expiry's reach while the job waits in the queue) and are removed when the job
ends."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass
class Pending:
    token: str
    kind: str
    user_id: int | None
    filename: str
    digest: str
    created: float
    data: bytes
    memo: dict | None = None
    #: Rows the preview covered (new, changed and unchanged).
    rows: int = 0


def _dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "pending-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _ttl() -> float:
    return float(current_app.config.get("IMPORT_PENDING_MINUTES", 30)) * 60


def purge_expired(now: float | None = None) -> int:
    now = now or time.time()
    removed = 0
    for meta in _dir().glob("*.json"):
        try:
            created = json.loads(meta.read_text())["created"]
        except (OSError, ValueError, KeyError):
            created = 0
        if now - created > _ttl():
            for p in (meta, meta.with_suffix(".bin"), meta.with_suffix(".memo")):
                try:
                    p.unlink()
                except OSError:
                    pass
            removed += 1
    return removed


def _signature(blob: bytes) -> bytes:
    return hmac.new(str(current_app.config["SECRET_KEY"]).encode(), blob, hashlib.sha256).digest()


def store(kind: str, user_id: int | None, filename: str, data: bytes, digest: str, memo: dict | None = None,
          rows: int = 0) -> str:
    purge_expired()
    token = secrets.token_urlsafe(24)
    base = _dir() / token
    base.with_suffix(".bin").write_bytes(data)
    if memo:
        blob = pickle.dumps(memo, protocol=pickle.HIGHEST_PROTOCOL)
        base.with_suffix(".memo").write_bytes(_signature(blob) + blob)
    base.with_suffix(".json").write_text(json.dumps({"kind": kind, "user_id": user_id, "filename": filename,
                                                     "digest": digest, "created": time.time(), "rows": rows}))
    return token


def load(token: str, kind: str, user_id: int | None) -> Pending | None:
    """The user's pending upload, or None (unknown, someone else's, other kind, expired)."""
    if not token or not _TOKEN.match(token):
        return None
    base = _dir() / token
    try:
        meta = json.loads(base.with_suffix(".json").read_text())
        data = base.with_suffix(".bin").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("kind") != kind or meta.get("user_id") != user_id:
        return None
    if time.time() - meta.get("created", 0) > _ttl():
        discard(token)
        return None
    return _pending(token, base, meta, data)


def _pending(token: str, base: Path, meta: dict, data: bytes) -> Pending:
    return Pending(token, meta.get("kind", ""), meta.get("user_id"), meta.get("filename", ""), meta.get("digest", ""),
                   meta.get("created", 0), data, _memo(base.with_suffix(".memo")), int(meta.get("rows") or 0))


def _memo(path: Path) -> dict | None:
    try:
        signed = path.read_bytes()
    except OSError:
        return None
    signature, blob = signed[:32], signed[32:]
    if not hmac.compare_digest(signature, _signature(blob)):
        return None
    return pickle.loads(blob)  # nosec: written by this app and signed with its secret key


def discard(token: str) -> None:
    if not token or not _TOKEN.match(token):
        return
    for suffix in (".json", ".bin", ".memo"):
        try:
            os.unlink(_dir() / (token + suffix))
        except OSError:
            pass


_JOB = re.compile(r"^[0-9a-f]{32}$")
_SUFFIXES = (".json", ".bin", ".memo")


def _job_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "import-jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def hand_over(token: str, job_id: str) -> None:
    """Move the upload `token` to the job `job_id` (the caller loaded it: it exists)."""
    for suffix in _SUFFIXES:
        try:
            os.replace(_dir() / (token + suffix), _job_dir() / (job_id + suffix))
        except FileNotFoundError:  # no .memo for a file that was not memoised
            pass


def load_handed(job_id: str) -> Pending | None:
    """The upload handed over to the job, or None."""
    if not _JOB.match(job_id or ""):
        return None
    base = _job_dir() / job_id
    try:
        meta = json.loads(base.with_suffix(".json").read_text())
        data = base.with_suffix(".bin").read_bytes()
    except (OSError, ValueError):
        return None
    return _pending(job_id, base, meta, data)


def discard_handed(job_id: str) -> None:
    if not _JOB.match(job_id or ""):
        return
    for suffix in _SUFFIXES:
        try:
            os.unlink(_job_dir() / (job_id + suffix))
        except OSError:
            pass
