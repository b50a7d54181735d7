"""A test that cannot forget a door (issue #12 item 6).

Generated from the registries, so a door added later is tried without anyone editing this file:
- every Wagtail viewset (snippets, model viewsets, choosers) must declare its scope
  (lms.accounts.viewsets: ``door_scope``); one without a declaration fails here;
- every URL each viewset exposes (index and results, exports, inspect, edit, delete, copy,
  usage, history, revisions, chooser choose/results/chosen/chosen-multiple, …) and every bulk
  action registered for its model is requested for the other town's object, as each role, with
  GET and POST: a refusal (302/403/404) with no data of that town in the body, nothing changed;
- page actions (every admin URL taking a page id, and page bulk actions) on another town's and
  the county's course and lesson, as town staff: refused and the pages unchanged;
- every media URL kind (media.access.FileKind): refused for anonymous users and accounts
  without a role.
Problems are collected and reported together.
"""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, reverse
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.admin.viewsets import viewsets as viewset_registry
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.models import Page

from lms.accounts.viewsets import DOOR_SCOPES, ScopedChooserViewSet, _DoorViewSetMixin

from .doors_world import build_door_world

pytestmark = pytest.mark.django_db

PROJECT_APPS = {
    "accounts",
    "schools",
    "organizations",
    "members",
    "notifications",
    "audit",
    "training",
    "quotas",
    "points",
    "reflections",
    "roster",
    "portal",
    "courses",
    "lms_media",
    "teachers",
    "search",
    "live",
    "quizzes",
    "records",
}
# Wagtail's own viewsets, and why each is not a door into scoped data.
WAGTAIL_BUILTIN = {
    "wagtailcore.Page": "page permissions (GroupPagePermission per school, lms.accounts.pages); tried below",
    "wagtailcore.Site": "superusers only (no role holds wagtailcore.*_site)",
    "accounts.User": "superusers only (no role holds accounts.*_user); tried below",
    "auth.Group": "superusers only (no role holds auth.*_group); tried below",
    "wagtaildocs.Document": "collection permissions; courseware is checked with the media kinds below",
    "wagtailimages.Image": "collection permissions; editorial pictures (course covers) only",
}
REFUSED = {302, 403, 404, 405}
PK_PARAMS = ("pk", "object_id", "id", "instance_id")


def _project_model(model) -> bool:
    return model is not None and not isinstance(model, str) and model._meta.app_label in PROJECT_APPS


def _all_viewsets():
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - populates the viewset registry
    return list(viewset_registry.viewsets)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_door_world()
        transaction.set_rollback(True)


@pytest.fixture
def clients(world):
    result = {"anonymous": Client()}
    for role, user in world.users.items():
        client = Client()
        client.force_login(user)
        result[role] = client
    return result


def _body(response) -> str:
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
    else:
        data = response.content
    return data.decode("utf-8", errors="replace")


def _leaks(body: str, markers) -> list[str]:
    return [m for m in markers if m and m in body][:3]


def _refused(response) -> bool:
    if response.status_code == 302:
        # a refusal redirects to the login page or the admin home, never onwards
        location = response["Location"]
        return "/login" in location or location.rstrip("/").endswith("/admin")
    return response.status_code in REFUSED


def _snapshot(obj):
    model = type(obj)
    row = model._default_manager.filter(pk=obj.pk).values().first()
    return row


# --- registry: every viewset declares its scope ------------------------------------------------


def _declaration_problems(viewsets) -> list[str]:
    problems = []
    for viewset in viewsets:
        model = getattr(viewset, "model", None)
        if model is None or isinstance(model, str):
            continue  # Wagtail's document chooser (model given as a string)
        label = model._meta.label
        if label in WAGTAIL_BUILTIN and type(viewset).__module__.startswith("wagtail."):
            continue
        if isinstance(viewset, ChooserViewSet):
            if _project_model(model) and not isinstance(viewset, ScopedChooserViewSet):
                problems.append(f"chooser for {label} is not a ScopedChooserViewSet")
            continue
        if not _project_model(model):
            if label not in WAGTAIL_BUILTIN:
                problems.append(f"{type(viewset).__name__} over {label}: not a known Wagtail viewset (declare a scope)")
            continue
        if not isinstance(viewset, _DoorViewSetMixin):
            problems.append(f"{type(viewset).__name__} over {label}: not a scoped viewset (lms.accounts.viewsets)")
        elif viewset.door_scope not in DOOR_SCOPES:
            problems.append(f"{type(viewset).__name__} over {label}: door_scope={viewset.door_scope!r}")
        elif viewset.door_scope == "scoped" and not hasattr(model, "scope_paths"):
            problems.append(f"{label} says door_scope='scoped' but declares no scope_paths")
    return problems


def test_every_viewset_declares_its_scope():
    viewsets = _all_viewsets()
    assert any(isinstance(v, _DoorViewSetMixin) for v in viewsets)
    problems = _declaration_problems(viewsets)
    assert not problems, "\n".join(problems)


def test_an_undeclared_viewset_is_caught():
    """The check really fails for a new viewset without a declaration, plain or scoped."""
    from wagtail.snippets.views.snippets import SnippetViewSet

    from lms.accounts.viewsets import ScopedSnippetViewSet
    from lms.schools.models import TeachingPoint

    class Plain(SnippetViewSet):
        model = TeachingPoint

    class ScopedButSilent(ScopedSnippetViewSet):
        model = TeachingPoint

    problems = _declaration_problems([Plain(), ScopedButSilent()])
    assert len(problems) == 2, problems


# --- the admin: every view of every scoped viewset, every bulk action ---------------------------


def _door_viewsets():
    return [v for v in _all_viewsets() if isinstance(v, _DoorViewSetMixin)]


def _patterns(viewset):
    """(name, route params) of every URL pattern the viewset serves (nested resolvers included)."""
    out = []

    def walk(entries):
        for entry in entries:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns)
            elif isinstance(entry, URLPattern) and entry.name:
                out.append(
                    (entry.name, list(entry.pattern.converters) or re.findall(r"<(?:\w+:)?(\w+)>", str(entry.pattern)))
                )

    walk(viewset.get_urlpatterns())
    return out


def _urls(namespace: str, patterns, obj_pk) -> list[tuple[str, str, bool]]:
    """(name, url, takes an object) for each pattern that can be filled."""
    urls = []
    for name, params in patterns:
        kwargs = {}
        for param in params:
            if param in PK_PARAMS:
                kwargs[param] = obj_pk
            elif param == "revision_id":
                kwargs[param] = 1
            else:
                kwargs = None
                break
        if kwargs is None:
            continue
        try:
            urls.append((name, reverse(f"{namespace}:{name}", kwargs=kwargs), bool(set(params) & set(PK_PARAMS))))
        except NoReverseMatch:
            continue
    return urls


def _list_suffixes(viewset, name: str, obj) -> list[str]:
    """Query strings worth trying on a URL without an object: exports on listings, a search on
    chooser results, the other town's id on chosen-multiple."""
    if name == "chosen_multiple":
        return [f"?id={obj.pk}"]
    if name == "choose_results":
        return ["", "?q=镇"]
    if name in ("list", "index") and getattr(viewset, "list_export", None):
        return ["", "?export=csv"]
    return [""]


def _foreign_sample(viewset, world, role):
    user = world.users[role]
    everything = viewset.visible_queryset(world.users["superuser"])
    mine = viewset.visible_queryset(user).values("pk")
    return everything.exclude(pk__in=mine).order_by("pk").first()


def test_admin_viewsets_refuse_other_towns_objects(world, clients):
    problems = []
    markers = world.b.markers
    viewsets = _door_viewsets()
    assert len(viewsets) >= 20, [type(v).__name__ for v in viewsets]
    for viewset in viewsets:
        label = viewset.model._meta.label
        namespaces = [(viewset.url_namespace, _patterns(viewset))]
        if getattr(viewset, "chooser", False) and hasattr(viewset, "chooser_viewset"):
            chooser = viewset.chooser_viewset
            namespaces.append((chooser.url_namespace, _patterns(chooser)))
        bulk_actions = list(
            bulk_action_registry.get_bulk_actions_for_model(
                viewset.model._meta.app_label, viewset.model._meta.model_name
            )
        )
        for role in world.scoped_roles + world.outsider_roles:
            client = clients[role]
            if role in world.scoped_roles:
                obj = _foreign_sample(viewset, world, role)
                if obj is None:
                    if viewset.door_scope != "shared":
                        problems.append(f"{label}: the door world has no row outside {role}'s scope (add one)")
                    continue
            else:
                obj = viewset.model._default_manager.order_by("pk").first()
                if obj is None:
                    problems.append(f"{label}: the door world has no row at all (add one)")
                    continue
            before = _snapshot(obj)
            for namespace, patterns in namespaces:
                for name, url, takes_object in _urls(namespace, patterns, obj.pk):
                    if not takes_object and role in world.scoped_roles:
                        # listings, results, exports, choosers: allowed, but without the other town
                        for suffix in _list_suffixes(viewset, name, obj):
                            response = client.get(url + suffix)
                            if response.status_code >= 500:
                                problems.append(f"GET {url}{suffix} as {role} → {response.status_code}")
                            elif response.status_code == 200:
                                leaked = _leaks(_body(response), markers)
                                if leaked:
                                    problems.append(f"GET {url}{suffix} as {role} leaks {leaked} ({label} {name})")
                        continue
                    response = client.get(url)
                    if not _refused(response):
                        problems.append(f"GET {url} as {role} → {response.status_code} ({label} {name}, other town)")
                    elif _leaks(_body(response), markers):
                        problems.append(f"GET {url} as {role} refused but leaks {_leaks(_body(response), markers)}")
                    if takes_object and role in world.scoped_roles:
                        response = client.post(url, {"title": "已被篡改", "name": "已被篡改"})
                        if not _refused(response):
                            problems.append(f"POST {url} as {role} → {response.status_code} ({label} {name})")
            for action in bulk_actions:
                url = (
                    reverse(
                        "wagtail_bulk_action",
                        args=[viewset.model._meta.app_label, viewset.model._meta.model_name, action.action_type],
                    )
                    + f"?id={obj.pk}&next=/admin/"
                )
                response = client.get(url)
                if not _refused(response) or _leaks(_body(response), markers):
                    problems.append(
                        f"GET bulk {action.action_type} {label} #{obj.pk} as {role} → {response.status_code}"
                    )
                response = client.post(url)
                if not _refused(response):
                    problems.append(
                        f"POST bulk {action.action_type} {label} #{obj.pk} as {role} → {response.status_code}"
                    )
            if _snapshot(obj) != before:
                problems.append(f"{label} #{obj.pk} changed by {role}'s requests")
    assert not problems, f"{len(problems)} door problems:\n" + "\n".join(problems)


def test_wagtail_user_and_group_admin_is_for_administrators_only(world, clients):
    problems = []
    for role in ("town_staff", "department_town", "city_staff", "department"):
        client = clients[role]
        for url in ("/admin/users/", f"/admin/users/edit/{world.users['superuser'].pk}/", "/admin/groups/"):
            response = client.get(url)
            if not _refused(response):
                problems.append(f"GET {url} as {role} → {response.status_code}")
        url = f"/admin/bulk/accounts/user/set_active_state/?id={world.users['superuser'].pk}"
        if not _refused(client.post(url, {"mark_as_active": ""})):
            problems.append(f"POST {url} as {role} accepted")
    assert world.users["superuser"].__class__.objects.get(pk=world.users["superuser"].pk).is_active
    assert not problems, "\n".join(problems)


# --- pages ------------------------------------------------------------------------------------


def _page_patterns():
    from wagtail.admin.urls import pages as page_urls

    out = []

    def walk(entries, namespace):
        for entry in entries:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                params = list(entry.pattern.converters) or re.findall(r"<(?:\w+:)?(\w+)>", str(entry.pattern))
                out.append((namespace, entry.name, params))

    walk(page_urls.urlpatterns, "wagtailadmin_pages")
    return out


# Read-only page views (course pages are content every member reads; no write happens on GET).
PAGE_READS = {
    "view_draft",
    "preview_on_edit",
    "preview_on_add",
    "history",
    "usage",
    "revisions_view",
    "revisions_index",  # redirects to the history
    "type_use",
    "confirm_workflow_cancellation",  # a confirmation dialog; these pages run no workflow
}


def test_page_actions_refused_on_other_schools_courses(world, clients):
    """Town staff edit and publish their own school's course; another town's course and the
    county's (and their lessons) refuse every page action and stay unchanged."""
    problems = []
    client = clients["town_staff"]
    own = world.a.course
    assert client.get(f"/admin/pages/{own.pk}/edit/").status_code == 200, "own course not editable (control)"
    targets = [world.b.course, world.b.lesson, world.county_course, world.county_lesson]
    index = own.get_parent()
    before = {p.pk: (p.title, p.live, p.path, p.has_unpublished_changes) for p in Page.objects.all()}
    patterns = _page_patterns()
    assert len(patterns) > 10
    for target in targets:
        for namespace, name, params in patterns:
            kwargs = {}
            for param in params:
                if param in ("page_id", "pk"):
                    kwargs[param] = target.pk
                elif param in ("destination_id", "parent_page_id"):
                    kwargs[param] = index.pk
                elif param == "revision_id":
                    kwargs[param] = target.latest_revision_id or 1
                elif param in ("content_type_app_name", "app_label"):
                    kwargs[param] = "courses"
                elif param in ("content_type_model_name", "model_name"):
                    kwargs[param] = "coursepage"
                else:
                    kwargs = None
                    break
            if not kwargs or not ({"page_id", "pk"} & set(kwargs)):
                continue
            try:
                url = reverse(f"{namespace}:{name}", kwargs=kwargs)
            except NoReverseMatch:
                continue
            if name not in PAGE_READS:
                response = client.get(url)
                if not _refused(response):
                    problems.append(f"GET {url} ({name}) as town staff → {response.status_code}")
            response = client.post(url, {"title": "已被篡改", "slug": "hacked", "action-publish": "1"})
            if response.status_code >= 500:
                problems.append(f"POST {url} ({name}) → {response.status_code}")
        for action in bulk_action_registry.get_bulk_actions_for_model("wagtailcore", "page"):
            url = reverse("wagtail_bulk_action", args=["wagtailcore", "page", action.action_type])
            url += f"?id={target.pk}&next=/admin/"
            client.post(url, {"move_applicable": "", "chooser": index.pk, "include_descendants": "on"})
    after = {p.pk: (p.title, p.live, p.path, p.has_unpublished_changes) for p in Page.objects.all()}
    for target in targets:
        if after.get(target.pk) != before[target.pk]:
            problems.append(f"page #{target.pk} {before[target.pk][0]} changed: {after.get(target.pk)}")
    assert set(before) <= set(after), "pages were deleted"
    copies = Page.objects.filter(title__in=[t.title for t in targets]).count()
    if copies != len(targets):
        problems.append(f"another school's pages were copied ({copies} pages with their titles)")
    assert not problems, "\n".join(problems)


# --- media ------------------------------------------------------------------------------------


def _media_urls(world) -> dict[str, str]:
    """One URL of every media kind the serving view knows (media.access.FileKind)."""
    video = world.a.lesson.video
    base = "/files/"
    master = video.master_playlist.name if hasattr(video.master_playlist, "name") else str(video.master_playlist)
    urls = {
        "master": base + master,
        "segment": base + master.rsplit("/", 1)[0] + "/360p/seg_00000.ts",
        "mp4": base + (video.mp4.name if hasattr(video.mp4, "name") else str(video.mp4)),
        "poster": base + (video.poster.name if hasattr(video.poster, "name") else str(video.poster)),
        "original": base + (video.original.name if hasattr(video.original, "name") else str(video.original)),
        "courseware": world.a.document.url,
    }
    return urls


def test_media_urls_refused_without_a_role(world, clients):
    try:
        from media.access import FileKind, file_kind
    except ImportError:  # pragma: no cover - the media door is media.access
        pytest.fail("media.access (the media door) is missing")
    urls = _media_urls(world)
    covered = {file_kind(url.removeprefix("/files/"))[0] for url in urls.values() if url.startswith("/files/")}
    covered.add(FileKind.DOCUMENT)  # courseware: /documents/<id>/<name>, probed below
    missing = {k for k in FileKind if k not in (FileKind.PUBLIC, FileKind.UNKNOWN)} - covered
    assert not missing, f"media kinds without a door probe: {missing}"
    problems = []
    for role in ("anonymous", "nobody"):
        for kind, url in urls.items():
            response = clients[role].get(url)
            body = _body(response)
            if not (
                response.status_code in (401, 403) or (response.status_code == 302 and "/login" in response["Location"])
            ):
                problems.append(f"GET {url} ({kind}) as {role} → {response.status_code}")
            elif "#EXTM3U" in body or "videos/" in body:
                problems.append(f"GET {url} ({kind}) as {role} refused but leaks the file")
    assert not problems, "\n".join(problems)


# --- every parameterless admin page (reports, listings, overviews) ---------------------------


def test_admin_pages_without_parameters_show_no_other_town(world, clients):
    """Wagtail's own listings and reports (site history, aging pages, searches …) included: with
    the other town's records in Wagtail's log, no admin page shows them to a town-A role."""
    from django.urls import get_resolver
    from wagtail.log_actions import log

    from .urlwalk import fill, is_concrete, params, patterns

    for obj in (world.b.members[0], world.b.training_class, world.b.session, world.b.enrollment):
        log(obj, "wagtail.edit", user=world.users["superuser"])
    get_resolver().url_patterns  # noqa: B018
    routes = sorted(
        {
            route
            for route, _ in patterns()
            if route.startswith("admin/")
            and is_concrete(route)
            and not params(route)
            and "logout" not in route
            and "failwhale" not in route  # Wagtail's deliberate error page
            # every scoped viewset's own URLs are tried above, object by object
            and not (route.startswith("admin/snippets/") and route != "admin/snippets/")
            and route not in ("admin/sprite/", "admin/jsi18n/")
        }
    )
    assert len(routes) > 30, routes
    problems = []
    for role in world.scoped_roles:
        for route in routes:
            searchable = any(word in route for word in ("search", "results", "choose", "chooser", "history"))
            for suffix in ("", "?q=镇") if searchable else ("",):
                response = clients[role].get(fill(route) + suffix)
                if response.status_code >= 500:
                    problems.append(f"GET /{route}{suffix} as {role} → {response.status_code}")
                elif response.status_code == 200:
                    leaked = _leaks(_body(response), world.b.markers)
                    if leaked:
                        problems.append(f"GET /{route}{suffix} as {role} leaks {leaked}")
    assert not problems, "\n".join(problems)
