"""The live tier's process for `make run` (lms.ops.processes collects it): the project's
nginx-rtmp in the foreground, calling back to the web server it runs beside. Where this
machine cannot run it, nothing is started — the reason is printed in Chinese and the rest of
the platform runs without live classes."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from django.conf import settings

from . import conf


def platform_processes(options: dict) -> list:
    from lms.ops.processes import PlatformProcess

    reason = conf.unavailable_reason()
    if reason:
        sys.stdout.write(reason + "\n")
        return []
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    callback = f"http://127.0.0.1:{options.get('port', 8000)}"
    return [
        PlatformProcess(
            "live",
            [sys.executable, manage, "live_nginx", "--callback-url", callback],
            stop_signal=signal.SIGQUIT,  # graceful: recordings are closed and handed over
            stop_timeout=5.0,
        )
    ]
