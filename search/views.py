"""The member search page (/search/): one form, filters, facet counts, highlighted hits."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from courses.modules import Module
from lms.members.models import MemberCategory
from lms.schools.models import PartySchool
from teachers.models import Teacher

from .access import visible_kinds
from .models import SearchKind
from .results import FACET_TITLES, SearchFilters, SearchInputError
from .services import search


@login_required
def search_page(request):
    query = (request.GET.get("q") or "").strip()
    kinds = visible_kinds(request.user)
    context = {
        "query": query,
        "kinds": [(v, label) for v, label in SearchKind.choices if v in kinds],
        "modules": Module.choices,
        "audiences": MemberCategory.choices,
        "teacher_kinds": Teacher.Kind.choices if SearchKind.TEACHER in kinds else [],
        "school_tiers": PartySchool.Tier.choices,
        "result": None,
        "error": "",
        "filters": SearchFilters(),
    }
    status = 200
    try:
        filters = SearchFilters.parse(request.GET)
        context["filters"] = filters
        if query or filters.as_dict():
            context["result"] = search(query, filters, request.GET.get("page") or 1, user=request.user)
    except SearchInputError as exc:
        context["error"] = str(exc)
        status = 400
    if context["result"] is not None:
        context["facets"] = [(name, FACET_TITLES[name], counts) for name, counts in context["result"].facets.items()]
    params = request.GET.copy()
    params.pop("page", None)
    context["base_params"] = params.urlencode()
    return render(request, "search/search.html", context, status=status)
