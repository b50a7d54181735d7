import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's async-safety check
# would otherwise refuse ORM calls made by live-server fixtures in the same thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tests.factories import MemberFactory, OrganizationTree, StaffUserFactory, UserFactory  # noqa: E402

# Playwright: Debian's Chromium, never a downloaded browser. One session fixture for the whole
# suite: two sync_playwright() instances in one process (e2e and live tests in the same xdist
# worker) would collide on the event loop.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture(autouse=True)
def _forget_cached_sites():
    """The cached site (lms.portal.sites), catalog URL and cards (courses.selectors) outlive a test's
    rolled-back transaction, which sends no signal: each test starts without them."""
    from django.core.cache import cache

    from courses.selectors import CATALOG_URL_KEY, CATALOG_VERSION_KEY
    from lms.portal.sites import CACHE_KEY

    cache.delete_many([CACHE_KEY, CATALOG_URL_KEY, CATALOG_VERSION_KEY])


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def migration_seeded_rows(request):
    """A transactional test (live server, transaction=True) ends by flushing the database, which
    also removes the rows data migrations created (tests.factories.foundation.migration_rows_ensure). Tests after it (in any order, in any xdist process) expect a
    freshly migrated database, so put those rows back before each database test."""
    marker = request.node.get_closest_marker("django_db")
    wanted = {"db", "transactional_db"} & set(request.fixturenames)
    if marker is None and not wanted:
        return
    request.getfixturevalue("_django_db_helper" if marker is not None else wanted.pop())
    from tests.factories.foundation import migration_rows_ensure

    migration_rows_ensure()


@pytest.fixture
def tree(db) -> OrganizationTree:
    return OrganizationTree.create()


@pytest.fixture
def roles(tree):
    """One user per role on the small tree: member_a/member_b in each town, staff of each town,
    city-school staff, department staff of the county committee and of town A's committee."""

    class Roles:
        pass

    r = Roles()
    r.tree = tree
    r.member_a_user = UserFactory(username="member_a")
    r.member_a = MemberFactory(branch=tree.branch_a, user=r.member_a_user, name="甲党员")
    r.member_b_user = UserFactory(username="member_b")
    r.member_b = MemberFactory(branch=tree.branch_b, user=r.member_b_user, name="乙党员")
    r.town_a_staff = StaffUserFactory(username="staff_a", assignment__role="school", assignment__school=tree.town_a)
    r.town_b_staff = StaffUserFactory(username="staff_b", assignment__role="school", assignment__school=tree.town_b)
    r.city_staff = StaffUserFactory(username="staff_city", assignment__role="school", assignment__school=tree.city)
    r.department = StaffUserFactory(
        username="dept", assignment__role="department", assignment__organization=tree.county
    )
    r.department_a = StaffUserFactory(
        username="dept_a", assignment__role="department", assignment__organization=tree.committee_a
    )
    r.superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    r.nobody = UserFactory(username="nobody")
    return r


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


def pytest_collection_modifyitems(config, items):
    """Long-running files first (stable otherwise): with pytest-xdist they then run beside the
    many short tests instead of trailing after them (the schemathesis run alone takes minutes)."""
    items.sort(key=lambda item: 0 if item.get_closest_marker("slow") else 1)
