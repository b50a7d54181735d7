from django.urls import path

from . import views

app_name = "live-api"
urlpatterns = [
    path("live/broadcasts/", views.BroadcastListView.as_view(), name="broadcast-list"),
    path("live/broadcasts/<int:pk>/", views.BroadcastDetailView.as_view(), name="broadcast-detail"),
    path("live/broadcasts/<int:pk>/heartbeat/", views.BroadcastHeartbeatView.as_view(), name="broadcast-heartbeat"),
]
