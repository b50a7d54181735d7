"""The workspace's annual plans: list, create, add/remove planned classes, submit, and the
department's review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from lms.accounts.scope import scope_for, scoped

from .. import selectors
from ..forms import PlanForm, PlannedClassForm, ReviewForm
from ..models import AnnualPlan, PlannedClass
from ..services import plans
from ..services.permissions import plan_reviewable, school_manageable
from .common import form_errors_apply, plan_or_404, staff_required, write_and_tell


@login_required
def plan_list(request):
    staff_required(request)
    rows = list(selectors.plans_visible_to(request.user).order_by("-year", "school__tier", "school__name")[:200])
    scope = scope_for(request.user)
    return render(
        request,
        "training/plan_list.html",
        {"plans": rows, "can_create": scope.is_all or scope.can_manage_schools},
    )


@login_required
def plan_new(request):
    staff_required(request)
    form = PlanForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            plan = plans.plan_create(
                user=request.user, school=d["school"], year=d["year"], title=d["title"], notes=d["notes"]
            )
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            return redirect("training:plan_detail", pk=plan.pk)
    return render(request, "training/plan_form.html", {"form": form})


@login_required
def plan_detail(request, pk: int):
    staff_required(request)
    plan = plan_or_404(request, pk)
    can_edit = plan.is_editable and school_manageable(request.user, plan.school_id)
    form = PlannedClassForm(request.POST or None) if can_edit else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            plans.planned_class_add(user=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, "已添加计划班次。")
            return redirect("training:plan_detail", pk=pk)
    return render(
        request,
        "training/plan_detail.html",
        {
            "plan": plan,
            "report": selectors.plan_vs_actual(plan),
            "form": form,
            "can_edit": can_edit,
            "can_review": plan.status == AnnualPlan.Status.SUBMITTED and plan_reviewable(request.user, plan),
            "review_form": ReviewForm(),
        },
    )


@login_required
@require_POST
def plan_submit(request, pk: int):
    plan = plan_or_404(request, pk)
    write_and_tell(
        request, lambda: plans.plan_submit(user=request.user, plan=plan), done="计划已提交，等待组织部审批。"
    )
    return redirect("training:plan_detail", pk=pk)


@login_required
@require_POST
def plan_review(request, pk: int):
    plan = plan_or_404(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审批结果。")
        return redirect("training:plan_detail", pk=pk)
    write_and_tell(
        request,
        lambda: plans.plan_review(
            user=request.user,
            plan=plan,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        ),
        done="审批结果已保存。",
    )
    return redirect("training:plan_detail", pk=pk)


@login_required
@require_POST
def planned_class_delete(request, pk: int):
    item = get_object_or_404(scoped(PlannedClass.objects.select_related("plan"), request.user), pk=pk)
    write_and_tell(request, lambda: plans.planned_class_delete(user=request.user, planned_class=item))
    return redirect("training:plan_detail", pk=item.plan_id)
