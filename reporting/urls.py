from django.urls import path

from reporting import views

urlpatterns = [
    path("facilities/<int:pk>/due/", views.due_calendar, name="due_calendar"),
]
