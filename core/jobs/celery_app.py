"""One Celery app per Flask app. With no broker configured, tasks run in-process
(eager): nothing to install. With STARBRANCH_CELERY_BROKER_URL, a real worker runs them:

    starbranch worker        # = celery -A core.jobs.worker worker
"""
from __future__ import annotations

from celery import Celery, Task
from flask import current_app, has_app_context


def init_celery(app) -> Celery:
    broker = app.config.get("CELERY_BROKER_URL")

    class FlaskTask(Task):
        """Runs inside the Flask app context, so services get the app's database."""

        def __call__(self, *args, **kwargs):
            # Eager (no broker), a task runs inside its caller's app context: a context of
            # its own would, on its way out, remove the caller's session (app teardown).
            if has_app_context() and current_app._get_current_object() is app:
                return self.run(*args, **kwargs)
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=broker or "memory://",
        result_backend=app.config.get("CELERY_RESULT_BACKEND") or (broker if broker else "cache+memory://"),
        task_always_eager=broker is None,
        task_eager_propagates=True,
        task_acks_late=True,  # a worker killed mid-task: the task is redelivered
        task_reject_on_worker_lost=True,
        # A task running when the broker goes away goes on and commits its work (the job
        # row is the result); cancelling it (Celery 6's default) would count on a
        # redelivery that a Redis restarted without persistence cannot make.
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_prefetch_multiplier=1,
        task_default_queue=app.config.get("CELERY_QUEUE") or "celery",
        broker_transport_options={"visibility_timeout": int(app.config.get("CELERY_VISIBILITY_TIMEOUT") or 3600)},
        result_expires=7 * 24 * 3600,
        task_serializer="json",
        accept_content=["json"],
        timezone=app.config.get("TIME_ZONE") or "Asia/Shanghai",
        # `celery -A core.jobs.worker beat`: one tick runs whatever scheduled step is due
        # (core.notifications.schedule); the steps themselves are configured by admins.
        # `jobs.recover` sends again the tasks of jobs a broker restart lost (core.jobs.recovery).
        beat_schedule={"starbranch-tick": {"task": "notifications.tick", "schedule": 600.0},
                       "starbranch-jobs-recover": {"task": "jobs.recover",
                                                   "schedule": float(app.config.get("JOB_RECOVER_SECONDS") or 300)}},
    )
    celery.set_default()
    app.extensions["celery"] = celery
    app.extensions["starbranch.plugins"].hook.starbranch_celery_tasks(celery=celery)
    return celery
