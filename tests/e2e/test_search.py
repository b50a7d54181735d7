"""A member searches from the home page on a phone: highlighted hits, then a filter."""

import pytest

from search.services import search_index_rebuild
from tests.factories.search import build_catalog

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_member_searches_and_filters(page, live_server, browser_login, roles):
    build_catalog()
    search_index_rebuild(database_only=True)
    browser_login(page, "member_a")
    page.fill(".search-panel input[name=q]", "党章")
    page.click(".search-panel button[type=submit]")
    page.wait_for_url("**/search/?q=*")
    assert page.locator("article.hit mark").first.inner_text() == "党章"
    titles = page.locator("article.hit h3").all_inner_texts()
    assert "集体学习党章" in titles and "党章修正案解读" in titles
    assert page.locator("select[name=teacher_kind]").count() == 0
    page.select_option("select[name=kind]", "course")
    page.click("form.search-form button[type=submit]")
    page.wait_for_url("**kind=course**")
    assert page.locator("article.hit h3").all_inner_texts() == ["党章党规学习"]
    assert page.locator("#search-total").inner_text() == "1"
    # the hit links to the course page
    page.click("article.hit h3 a")
    page.wait_for_load_state()
    assert "党章党规学习" in page.content()
