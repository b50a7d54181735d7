from django.urls import path

from . import views

app_name = "quotas"
urlpatterns = [
    path("me/", views.my_progress, name="my_progress"),
    path("members/<id:member_id>/", views.member_progress, name="member_progress"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/export.xlsx", views.coverage_export, name="coverage_export"),
    path("warnings/", views.warnings, name="warnings"),
    path("rules/", views.rules, name="rules"),
    path("rules/open/", views.rules_open_year, name="rules_open_year"),
]
