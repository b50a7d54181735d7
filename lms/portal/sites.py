"""Which Wagtail Site answers a request, from the cache instead of one query per page.

Wagtail looks the site up once per request (`Site.find_for_request`: a query joining the root
page) for every page it routes or links (`pageurl`). Sites change only when an administrator
edits them, so the answer per host and port is kept in the default cache for a minute and
dropped at once when a Site is saved or deleted or a page is published, unpublished or moved
(the root page comes with the site; signal handlers below, connected by PortalConfig.ready in
every process). With the Redis cache of production every process sees the drop; with the
embedded per-process cache other processes follow within the minute. API requests, static and
media files and /healthz never look a site up and skip this; when the lookup itself fails (the
database is down or not migrated yet), the request goes on as before — Wagtail looks the site up
itself if the view needs it, and /healthz reports the database."""

from django.core.cache import cache
from django.db import DatabaseError
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http.request import split_domain_port
from wagtail.models import Site
from wagtail.models.sites import get_site_for_hostname
from wagtail.signals import page_published, page_unpublished, post_page_move

from lms.caches import forget_now_and_at_commit

CACHE_KEY = "lms:wagtail-sites"
CACHE_SECONDS = 60
MAX_HOSTS = 32  # ALLOWED_HOSTS bounds the hosts; this bounds the entry if it is "*"
SKIP_PREFIXES = ("/api/", "/static/", "/media/", "/healthz")


def site_for(hostname: str, port: int) -> Site | None:
    """Site.find_for_request's answer for this host and port (None: no site matches)."""
    known = cache.get(CACHE_KEY) or {}
    key = f"{hostname}:{port}"
    if key in known:
        return known[key]
    try:
        site = get_site_for_hostname(hostname, port)
    except Site.DoesNotExist:
        site = None
    if len(known) >= MAX_HOSTS:
        known = {}
    known[key] = site
    cache.set(CACHE_KEY, known, CACHE_SECONDS)
    return site


class CachedSiteMiddleware:
    """Sets request._wagtail_site (where Site.find_for_request keeps its answer) from site_for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(SKIP_PREFIXES):
            hostname = split_domain_port(request._get_raw_host())[0]
            try:
                request._wagtail_site = site_for(hostname, request.get_port())
            except DatabaseError:
                pass
        return self.get_response(request)


@receiver(post_save, sender=Site)
@receiver(post_delete, sender=Site)
@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
def _forget_sites(**kwargs) -> None:
    forget_now_and_at_commit(lambda: cache.delete(CACHE_KEY))
