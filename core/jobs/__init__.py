"""Background jobs: Celery tasks in-process by default, on a Redis broker in production."""
