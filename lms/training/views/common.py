"""What the workspace pages share: the object a user may open (404 outside their scope),
the staff-only check, and a service's ValidationError shown on a form or as messages."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404

from lms.accounts import policy
from lms.accounts.scope import scoped

from .. import selectors
from ..models import AnnualPlan, ClassSession, TrainingClass


def error_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def write_and_tell(request, write: Callable[[], object], *, done: str = "", refused: str = "") -> bool:
    """Run a service write for a POST-and-redirect page: its refusal becomes an error message
    (after ``refused``), success the message ``done``. True when the write went through."""
    try:
        write()
    except ValidationError as exc:
        messages.error(request, refused + "；".join(error_messages(exc)))
        return False
    if done:
        messages.success(request, done)
    return True


def form_errors_apply(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, msgs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, msgs)
    else:
        form.add_error(None, exc.messages)


def staff_required(request) -> None:
    if not policy.is_staff(request.user):
        raise PermissionDenied("仅党校或组织部工作人员可以访问。")


def class_or_404(request, pk: int) -> TrainingClass:
    return get_object_or_404(selectors.classes_visible_to(request.user), pk=pk)


def session_or_404(request, pk: int) -> ClassSession:
    session = get_object_or_404(ClassSession.objects.select_related("training_class", "training_class__school"), pk=pk)
    if not scoped(TrainingClass.objects.filter(pk=session.training_class_id), request.user).exists():
        raise Http404
    return session


def plan_or_404(request, pk) -> AnnualPlan:
    return get_object_or_404(selectors.plans_visible_to(request.user), pk=pk)
