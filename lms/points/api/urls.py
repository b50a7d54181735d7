from django.urls import path

from . import views

urlpatterns = [
    path("points/me/", views.MyPointsView.as_view(), name="points-me"),
    path("points/ranking/", views.RankingView.as_view(), name="points-ranking"),
    path("points/rules/", views.PointRulesView.as_view(), name="points-rules"),
]
