from django.urls import path

from notes import views

urlpatterns = [
    path("health/", views.health),  # the target group's health check path
    path("api/notes/", views.notes),
]
