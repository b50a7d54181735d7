"""The workspace's enrolment pages: enrol members (ticked suggestions or typed member
numbers, a Chinese message per bad row) and cancel an enrolment."""

from __future__ import annotations

import unicodedata

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from lms import params
from lms.accounts.scope import scoped
from lms.members.models import Member

from .. import selectors
from ..models import Enrollment
from ..services.enrollment import enrollment_add, enrollment_remove
from ..services.permissions import school_manage_check
from .common import class_or_404, error_messages


@login_required
def class_enrol(request, pk: int):
    training_class = class_or_404(request, pk)
    school_manage_check(request.user, training_class.school_id)
    errors: list[str] = []
    ticked: set[str] = set()
    typed = ""
    if request.method == "POST":
        ticked = {str(pk) for pk in params.id_list(request.POST.getlist("member"), name="member", label="党员编号")}
        typed = request.POST.get("member_nos", "")[:20000]
        nos, errors = _member_nos(request, typed)
        ids = sorted(ticked) + nos
        if not errors and not ids:
            errors = ["请勾选或填写要报名的党员。"]
        if not errors:
            try:
                rows = enrollment_add(user=request.user, training_class=training_class, member_ids=ids)
            except ValidationError as exc:
                errors = error_messages(exc)
            else:
                messages.success(request, f"已报名{len(rows)}人。")
                return redirect("training:class_detail", pk=pk)
    suggested = list(selectors.suggested_trainees(request.user, training_class, limit=50))
    return render(
        request,
        "training/enrol.html",
        {"c": training_class, "suggested": suggested, "errors": errors, "ticked": ticked, "typed": typed},
        status=400 if errors else 200,
    )


def _member_nos(request, typed: str) -> tuple[list[str], list[str]]:
    """Member ids for the typed member numbers (one per line or comma-separated), and a
    Chinese message per bad row ("第3行：…") so the clerk can fix exactly that row."""
    lines = []
    for line_no, line in enumerate(typed.splitlines(), start=1):
        for part in line.replace("，", ",").replace("、", ",").split(","):
            no = unicodedata.normalize("NFKC", part).strip()
            if no:
                lines.append((line_no, no))
    if not lines:
        return [], []
    if len(lines) > 2000:
        return [], ["一次最多填写2000个党员编号，请分批报名。"]
    found = dict(
        scoped(Member.objects.filter(member_no__in=[no for _, no in lines]), request.user).values_list(
            "member_no", "pk"
        )
    )
    errors = [f"第{line_no}行：党员编号“{no}”不存在或不在您的管辖范围内。" for line_no, no in lines if no not in found]
    return [str(found[no]) for _, no in lines if no in found], errors


@login_required
@require_POST
def enrollment_delete(request, pk: int):
    enrollment = get_object_or_404(
        scoped(Enrollment.objects.select_related("training_class", "member"), request.user), pk=pk
    )
    enrollment_remove(user=request.user, enrollment=enrollment)
    messages.success(request, "已取消报名。")
    return redirect("training:class_detail", pk=enrollment.training_class_id)
