"""Facilities (§16 a): those the user may see, one, its status (§10), its terms versions."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from abl.access import facilities_for, get_facility_for_user
from abl.api import serializers as s
from abl.api.views.common import api_user, problems
from abl.models import Facility, TermsVersion
from reporting.services.status import facility_status


class FacilityList(generics.ListAPIView[Facility]):
    """The facilities the token's user may see (abl/access.py)."""

    serializer_class = s.FacilitySerializer

    def get_queryset(self) -> QuerySet[Facility]:
        return facilities_for(api_user(self.request))

    @extend_schema(responses={200: s.FacilitySerializer(many=True), **problems()})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(responses={200: s.FacilitySerializer, **problems(404)})
@api_view(["GET"])
def facility_detail(request: Request, pk: int) -> Response:
    facility = get_facility_for_user(api_user(request), pk)
    return Response(s.FacilitySerializer(facility).data)


class StatusQuery(serializers.Serializer[Any]):
    on = serializers.DateField(required=False)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "on",
            OpenApiTypes.DATE,
            OpenApiParameter.QUERY,
            description="Default: the business date",
        )
    ],
    responses={200: s.FacilityStatusSerializer, **problems(400, 404)},
)
@api_view(["GET"])
def facility_status_view(request: Request, pk: int) -> Response:
    """The object `facility_status --json` prints, from the same function."""
    facility = get_facility_for_user(api_user(request), pk)
    query = StatusQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    return Response(facility_status(facility, on=query.validated_data.get("on")).as_json())


class TermsVersionList(generics.ListAPIView[TermsVersion]):
    """The facility's terms versions, newest first."""

    serializer_class = s.TermsVersionSerializer

    def get_queryset(self) -> QuerySet[TermsVersion]:
        facility = get_facility_for_user(api_user(self.request), self.kwargs["pk"])
        return facility.terms_versions.all()

    @extend_schema(responses={200: s.TermsVersionSerializer(many=True), **problems(404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
