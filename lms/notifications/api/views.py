from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from lms.notifications.selectors import notifications_for
from lms.notifications.services import notification_mark_read

from .serializers import NotificationSerializer


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's own in-app notifications."""

    serializer_class = NotificationSerializer
    lookup_value_regex = r"\d+"
    queryset = notifications_for(None).none()

    def get_queryset(self):
        return notifications_for(self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification_mark_read(user=request.user, notification_id=int(pk))
        return Response(NotificationSerializer(self.get_object()).data)
