"""API conformance as real users (issue #13.8): schemathesis generates requests for every
operation in /api/schema/ and sends them through Django's WSGI app with HTTP basic auth as a
member, a town school's staff and the county's organization department, in one demo world.

- stateless: valid and invalid (negative) inputs for each operation;
- stateful: chains of calls that feed one response's ids into the next request (links
  schemathesis infers from the schema), per role — in test_api_sequences.py, so that the two
  run in parallel test processes.

No response may be a server error, use a status code the schema does not document, or break
its documented schema or content type. Both runs are bounded (SCHEMATHESIS_MAX_EXAMPLES,
SCHEMATHESIS_STATEFUL_EXAMPLES) so the file stays within a few minutes on two cores; raise them
locally for a deeper run."""

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from lms.wsgi import application

from .world import build_world

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
STATEFUL_EXAMPLES = int(os.environ.get("SCHEMATHESIS_STATEFUL_EXAMPLES", "8"))
ROLES = ["member", "town_staff", "department"]
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
API = r"^/api/v1/"


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


def _load(modes: list[GenerationMode]):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    schema.config.generation.update(modes=modes)
    return schema


@pytest.fixture
def api_schema(world):
    return _load([GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


# Our API only: Wagtail's internal admin API is not part of the published schema contract.
schema = schemathesis.pytest.from_fixture("api_schema").include(path_regex=API)


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
    """Each generated request (valid or not) is sent once per role."""
    for role in ROLES:
        case.call_and_validate(headers={**world.basic_auth(role), "Host": "testserver"}, checks=CHECKS)
