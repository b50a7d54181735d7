"""Concurrent calls for the PostgreSQL race tests: n threads released together by a barrier,
each on its own database connection (closed when it is done)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections


def at_once(n: int, target: Callable[[int], object]) -> tuple[list, list[Exception]]:
    """Call target(0) … target(n-1) in n threads at the same moment: (results, errors)."""
    barrier = threading.Barrier(n)
    results, errors = [], []

    def worker(i):
        try:
            barrier.wait()
            results.append(target(i))
        except Exception as exc:  # noqa: BLE001 - returned to the test, which asserts on them
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors
