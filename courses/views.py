"""Member pages outside the Wagtail tree: the catalog entry point and "my learning"."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from lms.accounts import policy

from .credit import study_hours_rule_text
from .models import CourseIndexPage
from .selectors import my_learning


def catalog_page() -> CourseIndexPage | None:
    return CourseIndexPage.objects.live().order_by("path").first()


@login_required
def catalog(request):
    """/learn/ → the live catalog page (keeps the filter query string)."""
    index = catalog_page()
    if index is None:
        return render(request, "courses/no_catalog.html")
    url = index.get_url(request)
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


@login_required
def me(request):
    member = policy.member_for(request.user)
    if member is None:
        return render(request, "courses/forbidden.html", {"reason": "“我的学习”仅对党员开放。"}, status=403)
    year = timezone.localdate().year
    return render(
        request,
        "courses/my_learning.html",
        {"learning": my_learning(member, year=year), "rule": study_hours_rule_text(), "catalog": catalog_page()},
    )
