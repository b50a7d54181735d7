"""factory_boy factories shared by the whole suite. Each app's factories live in a module
named after it (tests/factories/<app>.py); this package re-exports the foundation ones."""

from .foundation import (  # noqa: F401
    CitySchoolFactory,
    MemberFactory,
    OrganizationTree,
    StaffUserFactory,
    TeachingPointFactory,
    TownSchoolFactory,
    UserFactory,
    make_branch,
    make_committee,
)
