"""config.urls and, for bench/bench_api.py only, an API endpoint that does nothing.

`GET /api/v1/bench/noop/` answers `{}` after what every API request goes through: the
same authentication (a bearer token), permission (its scope) and throttle (its
allowance) classes, REST_FRAMEWORK's defaults in config/settings.py, which the API's
views use. It is the baseline the API's endpoints are measured against.
"""

from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from abl.api.auth import BearerTokenAuthentication, PerTokenThrottle, TokenScope
from config.urls import urlpatterns as site


@api_view(["GET"])
def noop(request: Request) -> Response:
    return Response({})


# The API's classes, named as well as inherited, so the baseline cannot drift from them.
assert noop.cls.authentication_classes == [BearerTokenAuthentication]
assert noop.cls.permission_classes == [TokenScope]
assert noop.cls.throttle_classes == [PerTokenThrottle]

urlpatterns = [path("api/v1/bench/noop/", noop, name="bench_api_noop"), *site]
