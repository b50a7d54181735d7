from pathlib import Path

from celery import shared_task
from django.conf import settings


@shared_task
def worker_ping(token: str) -> str:
    """Diagnostic round trip through the configured broker: the worker writes `token` under
    var/ so a check outside the worker (tests, ops) can see that queued work gets done."""
    path = Path(settings.VAR_DIR) / "worker_ping"
    path.write_text(token)
    return token
