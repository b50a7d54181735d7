"""API conformance: schemathesis generates requests for every operation in /api/schema/ and
sends them through Django's WSGI app as each role (HTTP basic auth). No response may be a
server error, and every documented response must match its schema and content type.

The example count per operation and role is bounded (SCHEMATHESIS_MAX_EXAMPLES, default 8)
so CI stays fast; raise it locally for a deeper run."""

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from lms.wsgi import application

from .world import build_world

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8"))
ROLES = ["member", "town_staff", "department", "superuser"]
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture(autouse=True)
def keep_test_connection():
    """Requests go straight to the WSGI app, not through Django's test client, so nothing stops
    request_started/finished from calling close_old_connections(): inside the test's transaction
    that closes the connection (PostgreSQL; SQLite's in-memory test database ignores close()).
    Detach it for the test, as django.test.Client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(world):
    return schemathesis.openapi.from_wsgi("/api/schema/", application)


# Our API only: Wagtail's internal admin API is not part of the published schema contract.
schema = schemathesis.pytest.from_fixture("api_schema").include(path_regex=r"^/api/v1/")


@pytest.mark.slow
@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, world):
    """Each generated request is sent once per role (one world, built once for the run)."""
    for role in ROLES:
        case.call_and_validate(headers={**world.basic_auth(role), "Host": "testserver"}, checks=CHECKS)
