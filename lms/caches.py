"""One rule for dropping cached entries when the rows behind them change."""

from collections.abc import Callable

from django.db import transaction


def forget_now_and_at_commit(forget: Callable[[], None]) -> None:
    """Run `forget` now and again when the current transaction commits.

    Signals fire when a row is saved, before the transaction commits: a request on another
    connection in between still reads the old rows and would keep them cached under the fresh
    key until expiry. Forgetting again at commit closes that gap; outside a transaction
    `on_commit` runs it at once (twice is harmless)."""
    forget()
    transaction.on_commit(forget)
