"""Entry point for a Celery worker: `celery -A core.jobs.worker worker`."""
from core.app import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
