"""What every API view shares: the signed-in user, the problems it may answer."""

from typing import Any, cast

from django.http import HttpRequest
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.request import Request

from abl.access import signed_in_user
from abl.models import User


def api_user(request: Request) -> User:
    """The token's user (TokenScope let only a token's user this far), by the one helper."""
    return signed_in_user(cast(HttpRequest, request))  # a DRF request reads as Django's


class ProblemError(serializers.Serializer[Any]):
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer[Any]):
    """RFC 9457 problem details (docs/api.md, "Errors")."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = ProblemError(many=True)


def problems(*codes: int) -> dict[int, OpenApiResponse]:
    """The problems an operation answers, besides 401, 403 and 429 which every one may."""
    return {code: OpenApiResponse(ProblemSerializer) for code in sorted({*codes, 401, 403, 429})}


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="1 to 100 characters, new for each request; a repeat replays the first answer.",
)
