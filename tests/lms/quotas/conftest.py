"""The hand-computed data set shared by the coverage, warning and API tests (see
tests.factories.quotas.hand_computed_data for the figures)."""

import pytest

from tests.factories.quotas import hand_computed_data


@pytest.fixture
def data(roles):
    return hand_computed_data(roles)
