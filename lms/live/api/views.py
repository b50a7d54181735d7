"""Live API: broadcasts a user may watch (with signed HLS links), the live heartbeat, and the
callbacks nginx-rtmp makes (on_publish, on_publish_done, on_record_done).

The callbacks carry no user: nginx authenticates with the secret in the URL it was configured
with (lms.live.conf.callback_secret) and must call from an allowed address
(LIVE_CALLBACK_ALLOWED_IPS, default this host). They have no session authentication, so no
CSRF exposure; they are left out of the public API schema."""

from __future__ import annotations

import time

from django.db import OperationalError
from django.shortcuts import get_object_or_404
from django.utils.crypto import constant_time_compare
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from courses.watch import HeartbeatError

from .. import conf, selectors, services
from .serializers import (
    BroadcastDetailSerializer,
    BroadcastSerializer,
    LiveHeartbeatInputSerializer,
    LiveHeartbeatOutputSerializer,
)


@extend_schema(tags=["live"])
class BroadcastListView(generics.ListAPIView):
    """Live classes the caller may watch: live now, this week, or ended in the last day."""

    serializer_class = BroadcastSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return selectors.broadcasts_watchable(self.request.user).order_by("-session__starts_at")


@extend_schema(tags=["live"], responses=BroadcastDetailSerializer)
class BroadcastDetailView(APIView):
    """One live class with signed playback links (video and audio-only)."""

    permission_classes = [IsAuthenticated]

    def get(self, request, pk: int):
        broadcast = get_object_or_404(selectors.broadcasts_watchable(request.user), pk=pk)
        urls = conf.playback_urls(broadcast.stream_name, request)
        broadcast.hls_url, broadcast.audio_url, broadcast.links_expire = urls.video, urls.audio, urls.expires
        broadcast.elapsed = services.broadcast_elapsed(broadcast)
        return Response(BroadcastDetailSerializer(broadcast, context={"request": request}).data)


@extend_schema(
    tags=["live"],
    request=LiveHeartbeatInputSerializer,
    responses={200: LiveHeartbeatOutputSerializer},
    description=(
        "直播播放器约每 15 秒提交一次新播放的区间（以开播时刻为 0 的秒数）。党员按与点播相同的规则计入学时："
        "只计新的真实播放秒数，且不超过距上次心跳的时间 × 最大倍速；超出直播已进行时长的部分不计。"
    ),
)
class BroadcastHeartbeatView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "heartbeat"

    def post(self, request, pk: int):
        broadcast = get_object_or_404(selectors.broadcasts_watchable(request.user), pk=pk)
        serializer = LiveHeartbeatInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = services.live_heartbeat_apply(
                user=request.user,
                broadcast=broadcast,
                intervals=serializer.validated_data["intervals"],
                site_id=serializer.validated_data.get("site"),
            )
        except HeartbeatError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(LiveHeartbeatOutputSerializer(result).data)


CALLBACK_ATTEMPTS = 5


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


@extend_schema(exclude=True)
class NginxCallbackView(APIView):
    """nginx-rtmp's notify callbacks. 2xx lets a publish through; anything else refuses it."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [FormParser, MultiPartParser, JSONParser]

    def post(self, request, secret: str, call: str):
        if (
            not constant_time_compare(secret, conf.callback_secret())
            or _client_ip(request) not in conf.callback_allowed_ips()
        ):
            raise NotFound
        data = request.data
        name, key = str(data.get("name", ""))[:100], str(data.get("key", ""))[:200]
        for attempt in range(CALLBACK_ATTEMPTS):
            try:
                return self._handle(call, name, key, data)
            except OperationalError:  # a lock race (SQLite); nginx calls once and never retries
                if attempt == CALLBACK_ATTEMPTS - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))

    def _handle(self, call: str, name: str, key: str, data):
        if call == "publish":
            try:
                services.broadcast_publish_authorize(name=name, key=key, addr=str(data.get("addr", "")))
            except services.PublishRefused as exc:
                return Response({"detail": exc.reason}, status=status.HTTP_403_FORBIDDEN)
            return Response({"detail": "ok"})
        if call == "publish-done":
            services.broadcast_publish_done(name=name, key=key)
            return Response({"detail": "ok"})
        if call == "record-done":
            services.broadcast_record_done(name=name, key=key, path=str(data.get("path", ""))[:1000])
            return Response({"detail": "ok"})
        raise NotFound
