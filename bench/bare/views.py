"""A minimal Django view: session authentication (the middleware), CSRF (the middleware), one
row UPDATE, a small JSON answer. What any endpoint of ours costs at the least."""

from django.contrib.auth import get_user_model
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_POST


@require_POST
def bare_update(request, pk: int):
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "未登录"}, status=403)
    updated = get_user_model().objects.filter(pk=request.user.pk).update(last_login=timezone.now())
    return JsonResponse({"updated": updated, "pk": pk})
