from django.urls import reverse


def nav_items(request):
    count = request.user.notifications.filter(read_at__isnull=True).count()
    label = f"通知({count})" if count else "通知"
    return [(label, reverse("notifications:inbox"))]
