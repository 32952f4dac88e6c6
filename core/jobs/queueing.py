"""Sending a job's task to the broker, with a bounded wait: a web request that enqueues
while Redis is down answers within seconds that the job could not be queued, instead of
hanging or answering 500.

Decisions (README, "Jobs — when Redis stops"):
- `send(task, *args)` publishes with a short retry policy (PUBLISH_RETRIES tries,
  ~1 s in all) and raises QueueUnavailable when the broker (or the result backend it
  also talks to) cannot be reached. With no broker (eager mode) the task runs here and
  its own errors propagate unchanged: only the broker's failure is translated.
- Job tasks ignore their Celery result (`ignore_result=True`): the job row is the result.
  So publishing needs the broker only — the Redis result backend would otherwise retry
  for ~20 s before failing, and then refuse to work in that process until a restart.
- The caller has committed the job row before sending (a worker must find it); on
  QueueUnavailable it marks that row failed with the reason (`could_not_queue`), so
  nothing is half-written: no queued row waits for a message that was never sent.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

from flask_babel import gettext

#: Publishing retries before the broker is declared unavailable (kombu's policy).
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.3, "interval_max": 0.5}


class QueueUnavailable(RuntimeError):
    """The broker could not be reached: the task was not queued."""


def broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError

    errors: list[type[BaseException]] = [OperationalError, ConnectionError, TimeoutError]
    try:  # the Redis result backend raises the client's own errors
        import redis.exceptions
        errors += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    except ImportError:  # RabbitMQ without the redis client
        pass
    return tuple(errors)


def could_not_queue_message() -> str:
    return gettext("消息队列（Redis）暂时无法连接，任务未能排队，未写入任何内容。请稍后重试；"
                   "如持续出现，请管理员检查消息队列服务。")


def send(task, *args, **kwargs):
    """Send `task(*args, **kwargs)` to the workers (or run it here with no broker)."""
    if task.app.conf.task_always_eager:
        return task.apply_async(args=args, kwargs=kwargs)
    try:
        return task.apply_async(args=args, kwargs=kwargs, retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except broker_errors() as exc:
        raise QueueUnavailable(f"{type(exc).__name__}: {exc}") from exc


@contextmanager
def bounded_backend(celery):
    """While sending work that needs the result backend (a chord: its counter lives
    there): the backend retries as briefly as the broker's publish (PUBLISH_RETRY_POLICY)
    instead of its own (20 tries a second apart, ~19 s), so a page answers at once; and
    the sender does not subscribe to the sent tasks' results (Redis pub/sub) — it never
    waits for them (the workers run the callback), and with Redis down that
    subscription retries and then leaves the process unable to use the backend until
    a restart. Only for the send: a worker's chord bookkeeping keeps its own policy.
    The backend is one object per Celery app, shared by a threaded server's requests:
    sends under this patch take turns (a send takes milliseconds, or the short policy's
    second or two), else two overlapping ones would restore each other's patch."""
    with _BOUNDED_SEND:
        with _patched_backend(celery):
            yield


#: One bounded send at a time per process (bounded_backend).
_BOUNDED_SEND = threading.Lock()


@contextmanager
def _patched_backend(celery):
    backend = celery.backend
    consumer = getattr(backend, "result_consumer", None)  # the Redis backend's pub/sub
    saved_policy = backend.__dict__.get("retry_policy")
    backend.retry_policy = dict(PUBLISH_RETRY_POLICY)
    if consumer is not None:
        consumer.consume_from = lambda task_id: None
    try:
        yield
    finally:
        backend.__dict__.pop("retry_policy", None)
        if saved_policy is not None:
            backend.retry_policy = saved_policy
        if consumer is not None:
            del consumer.consume_from


def ensure_broker(app) -> None:
    """Raise QueueUnavailable at once when the broker cannot be reached (with no broker:
    nothing to check). For work sent by a path that would otherwise wait for the result
    backend's own retries (~20 s) before failing — a chord, which needs that backend."""
    celery = app.extensions["celery"]
    if celery.conf.task_always_eager:
        return
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0.2, interval_step=0.2, timeout=2)
    except broker_errors() as exc:
        raise QueueUnavailable(f"{type(exc).__name__}: {exc}") from exc
