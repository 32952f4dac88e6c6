"""The render workers: a small pool of processes (one per core by default) that keep
WeasyPrint, the fonts and the parsed font CSS warm between documents.

Decisions (README, "Documents"):
- Every render runs in the pool, never in the web or job process: a render that runs
  past its time limit is stopped by terminating the pool (which is then rebuilt), so a
  hostile template or a huge list cannot hang a worker. Limit: RENDER_SECONDS per
  document plus PER_DOCUMENT_SECONDS for each further document of a batch.
- Processes are started with `spawn` (nothing of the parent — database connections,
  threads — is inherited). Where a process may not have children (inside a daemonic
  Celery prefork worker) rendering falls back to the calling process, still bounded
  by the Jinja limits and page limits but not by the timeout.
- A batch is split in chunks of CHUNK documents, so both cores share it evenly.
"""
from __future__ import annotations

import atexit
import multiprocessing
import os
import sys
import threading
import time
import types

from core.documents.render import RenderJob, RenderProblem, render_chunk, render_safe, warm_up

RENDER_SECONDS = 60.0
PER_DOCUMENT_SECONDS = 0.5
CHUNK = 16

_lock = threading.Lock()
_pool = None
_size = 0


def workers() -> int:
    return max(1, int(os.environ.get("STARBRANCH_DOCUMENT_WORKERS") or min(2, os.cpu_count() or 1)))


def _get_pool():
    global _pool, _size
    with _lock:
        if _pool is None:
            _size = workers()
            # `spawn` would re-run the parent's __main__ script in every worker (a script
            # without an `if __name__ == "__main__"` guard would recurse); the workers
            # need only core.documents.render, so they are started with a blank __main__.
            real_main = sys.modules["__main__"]
            sys.modules["__main__"] = types.ModuleType("__main__")
            try:
                _pool = multiprocessing.get_context("spawn").Pool(_size, initializer=warm_up)
            finally:
                sys.modules["__main__"] = real_main
        return _pool


def shutdown() -> None:
    """Stop the workers (they are started again on the next render)."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.terminate()
            _pool.join()
            _pool = None


atexit.register(shutdown)


def _unwrap(result):
    if result[0] == "ok":
        return result[1]
    _tag, kind, message, line, char = result
    raise RenderProblem(kind, message, line, char)


def render_many(jobs: list[RenderJob], *, timeout: float | None = None, progress=None) -> list[bytes]:
    """The PDFs of `jobs`, in order. Raises RenderProblem for the first job that fails
    (kind 'timeout' when the pool ran out of time). `progress(done)` is called as
    chunks complete."""
    if not jobs:
        return []
    timeout = timeout or RENDER_SECONDS + PER_DOCUMENT_SECONDS * (len(jobs) - 1)
    try:
        pool = _get_pool()
    except (AssertionError, OSError):  # a daemonic process may not start children
        out = []
        for job in jobs:
            out.append(_unwrap(render_safe(job)))
            if progress:
                progress(len(out))
        return out
    chunk = max(1, min(CHUNK, len(jobs) // (_size * 4) or 1))
    chunks = [jobs[i:i + chunk] for i in range(0, len(jobs), chunk)]
    results: list = []
    iterator = pool.imap(render_chunk, chunks)
    deadline = time.monotonic() + timeout
    try:
        for _ in chunks:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise multiprocessing.TimeoutError
            results.extend(iterator.next(timeout=remaining))
            if progress:
                progress(len(results))
    except multiprocessing.TimeoutError:
        shutdown()
        raise RenderProblem("timeout", f"文书生成超过时限（{timeout:.0f} 秒），已停止，未出具任何文书。") from None
    return [_unwrap(r) for r in results]


def render_one(job: RenderJob, *, timeout: float | None = None) -> bytes:
    return render_many([job], timeout=timeout)[0]
