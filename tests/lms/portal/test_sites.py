"""lms.portal.sites: the Wagtail site of a request comes from the cache, and a change to a site
or a published page is seen by the next request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from tests.factories.courses import make_course, make_index, make_lesson

pytestmark = pytest.mark.django_db


def _get(client, url):
    """The response and how many site lookups (Wagtail's get_site_for_hostname query) it made."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    lookups = sum('FROM "wagtailcore_site"' in q["sql"] and "CASE WHEN" in q["sql"] for q in queries.captured_queries)
    return response, lookups


def test_lesson_pages_look_their_site_up_once_not_on_every_request(roles, login):
    lesson = make_lesson(make_course(make_index()))
    client = login(roles.member_a_user)
    response, lookups = _get(client, lesson.url)
    assert response.status_code == 200 and lookups == 1
    response, lookups = _get(client, lesson.url)
    assert response.status_code == 200 and lookups == 0
    assert response.wsgi_request._wagtail_site.pk == Site.objects.get(is_default_site=True).pk


def test_a_saved_site_or_published_page_is_seen_by_the_next_request(roles, login):
    lesson = make_lesson(make_course(make_index()))
    client = login(roles.member_a_user)
    _get(client, lesson.url)
    site = Site.objects.get(is_default_site=True)
    site.site_name = "党校在线（新名称）"
    site.save()
    response, lookups = _get(client, lesson.url)
    assert lookups == 1 and response.wsgi_request._wagtail_site.site_name == "党校在线（新名称）"
    lesson.save_revision().publish()
    assert _get(client, lesson.url)[1] == 1


def test_api_requests_do_not_look_a_site_up(roles, login):
    client = login(roles.member_a_user)
    response, lookups = _get(client, "/api/v1/me/")
    assert lookups == 0 and not hasattr(response.wsgi_request, "_wagtail_site")


def test_health_checks_skip_the_lookup_and_a_failing_lookup_changes_nothing(roles, login, monkeypatch):
    """/healthz must answer even when the database cannot (it reports it); any page whose
    lookup fails goes on as before this cache existed."""
    from django.db import OperationalError

    response, lookups = _get(login(roles.member_a_user), "/healthz")
    assert lookups == 0 and not hasattr(response.wsgi_request, "_wagtail_site")

    def down(hostname, port):
        raise OperationalError("no such table: wagtailcore_site")

    monkeypatch.setattr("lms.portal.sites.get_site_for_hostname", down)
    response = login(roles.member_a_user).get("/training/my/")
    assert response.status_code == 200 and not hasattr(response.wsgi_request, "_wagtail_site")


def test_the_sites_are_forgotten_again_when_the_saving_transaction_commits(db, django_capture_on_commit_callbacks):
    """A request between a site's save and its commit reads the old sites; the second
    forgetting at commit keeps them from being served for the next minute."""
    from django.core.cache import cache

    from lms.portal.sites import CACHE_KEY

    site = Site.objects.get(is_default_site=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        site.site_name = "改名"
        site.save()
        cache.set(CACHE_KEY, {"racing:80": None})  # what a request before the commit kept
    for callback in callbacks:
        callback()
    assert cache.get(CACHE_KEY) is None
