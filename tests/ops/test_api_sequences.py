"""API call sequences as real users (issue #13.8), the stateful half of
test_api_schemathesis.py (same world, roles, checks and bounds): chains of calls that feed one
response's ids into the next request, per role."""

import pytest
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.generation.modes import GenerationMode

from .test_api_schemathesis import API, CHECKS, ROLES, STATEFUL_EXAMPLES, _load, keep_test_connection, world  # noqa: F401, F811


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_api_call_sequences_as_each_role(world, role):  # noqa: F811 - the fixture imported above
    """Stateful: list → detail → action chains with the ids the API itself returned."""
    headers = {**world.basic_auth(role), "Host": "testserver"}
    calls = []

    class Sequences(_load([GenerationMode.POSITIVE]).include(path_regex=API).as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            calls.append(response.status_code)
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None)

    Sequences.run(
        settings=hypothesis_settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=5,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    )
    assert len(calls) > STATEFUL_EXAMPLES, "no scenario went beyond its first call"
    assert any(200 <= code < 300 for code in calls), f"{role}: no call succeeded ({sorted(set(calls))})"
