"""网上展厅 (online exhibition hall): every teaching point on a phone page, and a gallery of all
of them by town and category, searchable. Open to members and staff (policy.may_study)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from lms.accounts import policy

from . import selectors
from .models import TeachingPoint


def _refused(request):
    return render(
        request, "schools/denied.html", {"reason": "网上展厅向党员和党校工作人员开放，请用本人账号登录。"}, status=403
    )


@login_required
def exhibition(request):
    if not policy.may_study(request.user):
        return _refused(request)
    query = selectors.ExhibitionQuery.from_params(request.GET)
    points = selectors.exhibition_points(query)
    return render(
        request,
        "schools/exhibition.html",
        {
            "query": query,
            "points": points,
            "groups": selectors.exhibition_by_town(points),
            "towns": selectors.exhibition_towns(),
            "categories": TeachingPoint.Category.choices,
            "chips": selectors.category_chips(),
        },
    )


@login_required
def teaching_point_detail(request, pk: int):
    if not policy.may_study(request.user):
        return _refused(request)
    point = selectors.exhibition_point(pk)
    if point is None:
        raise Http404("未找到该教学点。")
    return render(
        request,
        "schools/teaching_point.html",
        {
            "point": point,
            "photos": list(point.photos.all()),
            "tour": point.tour_video if point.tour_video_id and point.tour_video.is_ready else None,
            "classes": selectors.classes_at(point),
            "booking": selectors.booking_for(request.user, point),
            "map_url": selectors.map_url(point),
        },
    )
