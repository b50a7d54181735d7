from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .selectors import notifications_for
from .services import notification_mark_read


@login_required
def inbox(request):
    items = notifications_for(request.user)[:200]
    return render(request, "notifications/inbox.html", {"notifications": items})


@login_required
@require_POST
def mark_read(request, pk: int):
    notification_mark_read(user=request.user, notification_id=pk)
    return redirect("notifications:inbox")
