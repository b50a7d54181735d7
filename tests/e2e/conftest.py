"""Playwright fixtures: Debian's Chromium, never a downloaded browser."""

import pytest
from django.core.cache import cache

from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: F401 - the browser fixture lives there (one per process)
from tests.e2e import media_urls


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def browser_login(live_server):
    """Log in through the real login form."""

    def _login(page, username: str, password: str = "Test@12345"):
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    return _login


@pytest.fixture
def served_media(settings, tmp_path):
    """A media folder of the test's own, served by the live server (tests/e2e/media_urls.py)."""
    # Wagtail keeps renditions in the cache by image id: an earlier test's image with the same
    # id would send a page to a file in that test's media folder.
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    media_urls.serve(settings.MEDIA_ROOT)
    settings.ROOT_URLCONF = "tests.e2e.media_urls"
    return settings.MEDIA_ROOT
