import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
application = get_wsgi_application()


def warm_up() -> None:
    """Import every view and build the URL maps now, not on a worker's first request.

    gunicorn loads this module once in the master (`preload_app`) and forks the workers from
    it, so they start with the URLconf ready: otherwise each worker's first request — after a
    deploy, and each time `max_requests` recycles it — spends ~0.6 s importing views (the first
    500-member sign-in burst after a restart took twice as long as the next). Nothing here
    opens a database or cache connection, which must not be shared across the fork."""
    from django.urls import get_resolver

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 — imports the views
    resolver.reverse_dict  # noqa: B018 — builds the reverse and resolve maps


warm_up()
# Everything loaded so far lives as long as the process: move it out of the garbage collector's
# sight (Python's gc docs, gc.freeze: "before fork()"), so the workers' full collections do not
# walk the whole of Django and Wagtail, and do not write to — and so copy — the pages they
# share with the master.
gc.freeze()
