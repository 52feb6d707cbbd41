from django.urls import path

from reporting import views

urlpatterns = [
    path("facilities/<int:pk>/due/", views.due_calendar, name="due_calendar"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("portfolio/facilities/<int:pk>/", views.facility_charts, name="facility_charts"),
]
