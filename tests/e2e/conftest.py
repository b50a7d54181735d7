"""Playwright fixtures: Debian's Chromium, never a downloaded browser."""

import pytest

from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: F401 - the browser fixture lives there (one per process)


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
