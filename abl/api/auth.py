"""Who calls: a personal token (`Authorization: Bearer <token>`), its scope, its allowance."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from abl.models import ApiToken, User
from abl.services.api_tokens import find_live_token, mark_used


class BearerTokenAuthentication(BaseAuthentication):
    """A live token of an active user; an unknown, expired or revoked one answers 401."""

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "The Authorization header is 'Bearer ' and the token, nothing else."
            )
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Unknown, expired or revoked token.") from None
        token = find_live_token(secret)
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown, expired or revoked token.")
        mark_used(token)
        return token.user, token

    def authenticate_header(self, request: Request | HttpRequest) -> str:
        return 'Bearer realm="api"'


class TokenScope(BasePermission):
    """A signed-in token; a read-only one only reads."""

    message = "This token is read only: it may not change anything."

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            raise exceptions.NotAuthenticated("An API token is required: Authorization: Bearer …")
        return request.method in SAFE_METHODS or not token.read_only


class PerTokenThrottle(SimpleRateThrottle):
    """Each token's allowance, settings.ABL_API_THROTTLE_RATE (the "token" rate)."""

    scope = "token"

    def get_rate(self) -> str:
        return str(settings.ABL_API_THROTTLE_RATE)  # read per request, so a test may change it

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        token = request.auth
        if not isinstance(token, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """How the schema describes the token: HTTP bearer."""

    target_class = "abl.api.auth.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A personal API token"}
