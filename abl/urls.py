from django.urls import path

from abl import views

urlpatterns = [
    path("", views.home, name="home"),
    path("facilities/", views.facility_list, name="facility_list"),
    path("facilities/<int:pk>/", views.facility_detail, name="facility_detail"),
    path("audit/", views.audit_list, name="audit_list"),
]
