"""Site pages for reflections: a member's list and form (phone-first), a reviewer's queue and
review form, the department's counts by branch. Views parse input, check scope and call the
services and selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from lms import params
from lms.accounts import policy
from lms.accounts.scope import scope_for
from lms.accounts.viewsets import form_add_service_errors as add_service_errors

from . import selectors, services
from .forms import ReflectionForm, ReviewForm
from .models import Reflection


def _subject(request, member):
    """The class or course named by ?class= / ?course= that the member may write about."""
    from courses.models import CoursePage
    from lms.training.models import TrainingClass

    class_id = params.object_id(request.GET.get("class"), name="class", label="班次")
    course_id = params.object_id(request.GET.get("course"), name="course", label="课程")
    if class_id:
        return get_object_or_404(TrainingClass, pk=class_id), None
    if course_id:
        return None, get_object_or_404(CoursePage.objects.live(), pk=course_id)
    raise Http404


@login_required
def mine(request):
    member = policy.member_for(request.user)
    context = {"is_reviewer": selectors.reviewable_reflections(request.user).exists()}
    if member is not None:
        context |= {
            "member": member,
            "reflections": selectors.my_reflections(member),
            "classes": selectors.writable_classes(member)[:20],
            "courses": selectors.writable_courses(member),
        }
    elif not context["is_reviewer"]:
        return redirect("reflections:counts") if policy.is_staff(request.user) else redirect("/")
    return render(request, "reflections/mine.html", context)


@login_required
def write(request):
    member = policy.member_for(request.user)
    if member is None:
        raise PermissionDenied("只有党员可以撰写学习心得。")
    training_class, course = _subject(request, member)
    form = ReflectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reflection = services.reflection_submit(
                member=member, training_class=training_class, course=course, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "心得已提交，等待支部书记审核。")
            return redirect("reflections:detail", reflection_id=reflection.pk)
    subject = training_class.title if training_class else course.title
    return render(request, "reflections/write.html", {"form": form, "subject": subject})


@login_required
def detail(request, reflection_id: int):
    reflection = get_object_or_404(selectors.visible_reflections(request.user), pk=reflection_id)
    member = policy.member_for(request.user)
    own = member is not None and reflection.member_id == member.pk
    may_review = reflection.status == Reflection.Status.PENDING and selectors.may_review(request.user, reflection)
    edit_form = ReflectionForm(initial={"title": reflection.title, "body": reflection.body}) if own else None
    review_form = ReviewForm() if may_review else None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "edit" and own:
                edit_form = ReflectionForm(request.POST)
                if edit_form.is_valid():
                    services.reflection_edit(reflection=reflection, member=member, **edit_form.cleaned_data)
                    messages.success(request, "心得已修改，等待审核。")
                    return redirect("reflections:detail", reflection_id=reflection.pk)
            elif action == "review":
                review_form = ReviewForm(request.POST)
                if review_form.is_valid():
                    services.reflection_review(reflection=reflection, reviewer=request.user, **review_form.cleaned_data)
                    messages.success(request, "审核结果已保存。")
                    return redirect("reflections:review")
            else:
                raise PermissionDenied
        except ValidationError as exc:
            add_service_errors(review_form if action == "review" else edit_form, exc)
    return render(
        request,
        "reflections/detail.html",
        {
            "r": reflection,
            "own": own,
            "edit_form": edit_form if own and reflection.is_editable else None,
            "review_form": review_form,
        },
    )


@login_required
def review(request):
    status = params.choice(
        request.GET.get("status"), name="status", choices=Reflection.Status.values, default="pending"
    )
    if not selectors.reviewable_reflections(request.user).exists() and not policy.is_staff(request.user):
        raise PermissionDenied("您不是支部书记，无需审核学习心得。")
    rows = selectors.review_queue(request.user, status=status)[:200]
    return render(
        request,
        "reflections/review.html",
        {"rows": rows, "status": status, "statuses": Reflection.Status.choices},
    )


@login_required
def counts(request):
    if not policy.is_staff(request.user):
        raise PermissionDenied("仅组织部、党校工作人员可查看。")
    year = params.year(request.GET.get("year"))
    town_id = params.object_id(request.GET.get("town"), name="town", label="镇街")
    if town_id and not (scope_for(request.user).is_all or town_id in scope_for(request.user).town_ids):
        raise Http404
    rows = list(selectors.counts_by_branch(request.user, year, town_id=town_id))
    totals = {k: sum(r[k] for r in rows) for k in ("submitted", "pending", "approved", "returned")}
    return render(request, "reflections/counts.html", {"rows": rows, "year": year, "totals": totals})
