"""Permission matrix: every API endpoint (from the OpenAPI schema) and every Wagtail snippet
admin view, tried as every role on objects inside and outside the role's scope.

Table-driven over whatever is registered, so it grows as apps add endpoints and snippets:
- API lists: no server error; anonymous callers are refused; a 伦镇-scoped role's response
  carries no marker of another town (member numbers, other towns' objects).
- API details: an object appears in a role's list ⇔ its detail answers 200 for that role;
  otherwise 403/404 without leaking; changing (PUT/PATCH/DELETE/POST actions) an object the
  role cannot see is 403/404/405 and leaves it in place.
- Snippet admin: the superuser opens every view (so denials below mean something); scoped
  roles get no 200 for another town's object and no foreign marker in listings.
All problems are collected and reported together."""

from __future__ import annotations

import json
import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse
from drf_spectacular.generators import SchemaGenerator
from wagtail.snippets.models import get_snippet_models

from lms.accounts.scope import scoped

from .world import build_world

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

ROLES = ["anonymous", "nobody", "member", "town_staff", "department_town", "city_staff", "department", "superuser"]
DENIED = {401, 403, 404}
MAX_PAGES = 10
SAMPLE_PER_ENDPOINT = 12


def _api_operations() -> dict[str, set[str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        path: {m.upper() for m in ops if m in {"get", "post", "put", "patch", "delete"}}
        for path, ops in schema["paths"].items()
        if path.startswith("/api/v1/")
    }


def _items(payload):
    if isinstance(payload, dict) and isinstance(payload.get("results"), list):
        return payload["results"]
    return payload if isinstance(payload, list) else None


def _ids(client: Client, path: str) -> set | None:
    """Every id a role can list at `path` (following pagination), or None if not a list."""
    ids: set = set()
    url = path
    for _ in range(MAX_PAGES):
        response = client.get(url)
        if response.status_code != 200 or "json" not in response.get("Content-Type", ""):
            return ids if ids else None
        payload = response.json()
        items = _items(payload)
        if items is None:
            return None
        ids |= {str(item["id"]) for item in items if isinstance(item, dict) and "id" in item}
        url = payload.get("next") if isinstance(payload, dict) else None
        if not url:
            break
    return ids


class Problems(list):
    def add(self, message: str):
        self.append(message)


def _body(response) -> str:
    if getattr(response, "streaming", False):
        # Consuming the content closes the response: the test client's wrapper fires
        # request_finished with close_old_connections detached. Closing it again here would
        # not, and would close the test's database connection (PostgreSQL).
        data = b"".join(response.streaming_content)
    else:
        data = response.content
    return data.decode("utf-8", errors="replace")


def _leaks(body: str, markers: list[str]) -> list[str]:
    return [m for m in markers if m in body][:3]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back afterwards (each
    test's own transaction nests as a savepoint), so the slow seed runs once."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def clients(world):
    result = {"anonymous": Client()}
    for role, user in world.users.items():
        client = Client()
        client.force_login(user)
        result[role] = client
    return result


def test_permission_matrix(world, clients):
    """One world for both tables (building it dominates the run time)."""
    problems = Problems()
    _api_matrix(world, clients, problems)
    _snippet_matrix(world, clients, problems)
    assert not problems, f"{len(problems)} permission problems:\n" + "\n".join(problems)


def _api_matrix(world, clients, problems):
    operations = _api_operations()
    assert operations, "the API schema lists no operations"
    roles = [r for r in ROLES if r in clients] + (["teacher"] if "teacher" in clients else [])
    detail_of = {}
    for path in operations:
        m = re.fullmatch(r"(/api/v1/.+/)\{(\w+)\}/", path)
        if m and m.group(1) in operations:
            detail_of[m.group(1)] = path

    lists = [p for p, methods in operations.items() if "GET" in methods and "{" not in p]
    visible: dict[tuple[str, str], set | None] = {}
    for path in lists:
        for role in roles:
            response = clients[role].get(path)
            status = response.status_code
            if status >= 500:
                problems.add(f"GET {path} as {role} → {status}")
                continue
            if role == "anonymous" and status not in DENIED:
                problems.add(f"GET {path} anonymous → {status} (expected 401/403)")
            if role in world.scoped_roles and status == 200:
                leaked = _leaks(_body(response), world.foreign_markers)
                if leaked:
                    problems.add(f"GET {path} as {role} leaks another town: {leaked}")
            visible[(path, role)] = _ids(clients[role], path) if status == 200 else set()

    for list_path, detail_path in detail_of.items():
        all_ids = visible.get((list_path, "superuser")) or set()
        sample = sorted(all_ids, key=lambda x: (len(x), x))[:SAMPLE_PER_ENDPOINT]
        sample += sorted(all_ids, key=lambda x: (len(x), x))[-SAMPLE_PER_ENDPOINT:]
        param = re.search(r"\{(\w+)\}", detail_path).group(1)
        for obj_id in dict.fromkeys(sample):
            url = detail_path.replace("{" + param + "}", obj_id)
            for role in roles:
                response = clients[role].get(url)
                status = response.status_code
                can_list = visible.get((list_path, role))
                if status >= 500:
                    problems.add(f"GET {url} as {role} → {status}")
                elif can_list is None:
                    continue
                elif obj_id in can_list and status != 200:
                    problems.add(f"GET {url} as {role} → {status}, but the object is in the role's list")
                elif obj_id not in can_list and status not in DENIED:
                    problems.add(f"GET {url} as {role} → {status}, but the object is not in the role's list")
                elif status in DENIED and role in world.scoped_roles:
                    leaked = _leaks(_body(response), world.foreign_markers)
                    if leaked:
                        problems.add(f"GET {url} as {role} denied but leaks {leaked}")

    # Changing what one cannot see: every mutating operation under an object path.
    for path, methods in operations.items():
        m = re.match(r"(/api/v1/.+/)\{(\w+)\}/", path)
        if not m or m.group(1) not in detail_of:
            continue
        list_path = m.group(1)
        all_ids = visible.get((list_path, "superuser")) or set()
        for role in roles:
            if role == "superuser":
                continue
            hidden = sorted(all_ids - (visible.get((list_path, role)) or set()), key=lambda x: (len(x), x))[:2]
            for obj_id in hidden:
                url = path.replace("{" + m.group(2) + "}", obj_id)
                ghost = path.replace("{" + m.group(2) + "}", "987654321")
                for method in sorted(methods - {"GET"}):
                    call = getattr(clients[role], method.lower())
                    status = call(url, data=json.dumps({}), content_type="application/json").status_code
                    if status in DENIED | {405}:
                        continue
                    # Input validated before the object lookup is fine as long as a missing
                    # object answers the same (nothing about the hidden object is revealed).
                    ghost_status = call(ghost, data=json.dumps({}), content_type="application/json").status_code
                    if status != ghost_status or status < 300:
                        problems.add(
                            f"{method} {url} as {role} (object not visible) → {status} (missing object → {ghost_status})"
                        )
                if "DELETE" in methods:
                    still = clients["superuser"].get(list_path.rstrip("/") + f"/{obj_id}/")
                    if still.status_code != 200:
                        problems.add(f"DELETE {url} as {role}: object gone afterwards ({still.status_code})")


def _snippet_urls(model, obj=None) -> dict[str, str]:
    namespace = f"wagtailsnippets_{model._meta.app_label}_{model._meta.model_name}"
    urls = {}
    names = ["list"] if obj is None else ["edit", "delete", "inspect"]
    for name in names:
        try:
            urls[name] = reverse(f"{namespace}:{name}", args=[] if obj is None else [obj.pk])
        except NoReverseMatch:
            pass
    return urls


def _home_and_foreign(model, town):
    paths = getattr(model, "scope_paths", None) or {}
    manager = model._default_manager
    town_path = paths.get("town")
    if isinstance(town_path, str):
        lookup = town_path or "pk"
        home = manager.filter(**{lookup: town}).order_by("pk")[:1]
        foreign = manager.exclude(**{lookup: town}).filter(**{f"{lookup}__isnull": False}).order_by("pk")[:2]
        return list(home), list(foreign)
    return list(manager.order_by("pk")[:1]), []


def _snippet_matrix(world, clients, problems):
    roles = [r for r in ROLES if r in clients]
    models = get_snippet_models()
    assert models
    for model in models:
        label = model._meta.label
        list_url = _snippet_urls(model).get("list")
        if list_url:
            for role in roles:
                response = clients[role].get(list_url)
                if response.status_code >= 500:
                    problems.add(f"{label} list as {role} → {response.status_code}")
                elif role == "superuser" and response.status_code != 200:
                    problems.add(f"{label} list as superuser → {response.status_code}")
                elif role in ("anonymous", "nobody", "member") and response.status_code == 200:
                    problems.add(f"{label} list as {role} → 200 (no admin access expected)")
                elif role in world.scoped_roles and response.status_code == 200:
                    leaked = _leaks(_body(response), world.foreign_markers)
                    if leaked:
                        problems.add(f"{label} list as {role} leaks another town: {leaked}")
        home, foreign = _home_and_foreign(model, world.town)
        for obj in home + foreign:
            is_foreign = obj in foreign
            for view, url in _snippet_urls(model, obj).items():
                for role in roles:
                    status = clients[role].get(url).status_code
                    if status >= 500:
                        problems.add(f"{label} {view} #{obj.pk} as {role} → {status}")
                    elif role == "superuser" and status not in (200, 302, 403):
                        problems.add(f"{label} {view} #{obj.pk} as superuser → {status}")
                    elif (
                        is_foreign
                        and role in world.scoped_roles
                        and status == 200
                        # (a town committee reads the city school's classes above its town)
                        and not scoped(model._default_manager.filter(pk=obj.pk), world.users[role]).exists()
                    ):
                        problems.add(f"{label} {view} of another town's #{obj.pk} as {role} → 200")
                    elif role in ("anonymous", "nobody", "member") and status == 200:
                        problems.add(f"{label} {view} #{obj.pk} as {role} → 200 (no admin access expected)")
                    elif status == 200 and hasattr(model, "scope_paths") and role != "superuser":
                        user = world.users[role]
                        if not scoped(model._default_manager.filter(pk=obj.pk), user).exists():
                            problems.add(f"{label} {view} #{obj.pk} as {role} → 200 but outside scoped()")
