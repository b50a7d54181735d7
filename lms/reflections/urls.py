from django.urls import path

from . import views

app_name = "reflections"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/", views.write, name="write"),
    path("review/", views.review, name="review"),
    path("counts/", views.counts, name="counts"),
    path("<id:reflection_id>/", views.detail, name="detail"),
]
