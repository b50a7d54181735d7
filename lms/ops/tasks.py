"""Round trips through the configured broker that the ops tests and checks use."""

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


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def ops_probe(token: str) -> None:
    """Record one delivery of `token` as a file under var/ops_probe/ (the fault tests count them)."""
    folder = Path(settings.VAR_DIR) / "ops_probe"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / token).touch()
