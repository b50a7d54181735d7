"""Who may write what in training: the one permission rule for schools.

School staff manage the classes and plans of the schools in their scope (`lms.accounts.policy`);
organization-department staff review plans; members only sign themselves in (`attendance`)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from lms.accounts import policy
from lms.accounts.scope import scope_for
from lms.schools.models import PartySchool

from ..models import AnnualPlan

NOT_YOUR_SCHOOL = "您无权管理该党校的班次或计划。"
NOT_DEPARTMENT = "只有组织部工作人员可以审批该党校的教学计划。"


def school_manageable(user, school: PartySchool | int) -> bool:
    """School staff manage the schools in their scope (a town school its own, the city school
    itself and the towns under it); superusers manage all."""
    return policy.may_manage_school(user, school)


def school_manage_check(user, school: PartySchool | int) -> None:
    if not school_manageable(user, school):
        raise PermissionDenied(NOT_YOUR_SCHOOL)


def plan_reviewable(user, plan: AnnualPlan) -> bool:
    scope = scope_for(user)
    return scope.is_all or (scope.can_manage_pool and plan.school_id in scope.school_ids)
