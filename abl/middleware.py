"""The two-factor gate: a session that must still pass a second factor reaches only its pages.

Installed right after django_otp's OTPMiddleware, which marks a session verified.
A user who has enrolled is sent to the code page (/account/verify/), a bank user
who has not to enrolment (/account/two-factor/); logout and static files stay
open. abl.services.twofactor.needs_second_factor decides, for pages and gate alike.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from abl.models import User
from abl.services.twofactor import is_enrolled, needs_second_factor

OPEN_PAGES = ("two_factor", "two_factor_verify", "logout")


class TwoFactorGate:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if isinstance(user, User) and needs_second_factor(user) and not _is_open(request.path):
            page = "two_factor_verify" if is_enrolled(user) else "two_factor"
            return redirect(f"{reverse(page)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def _is_open(path: str) -> bool:
    static = "/" + settings.STATIC_URL.lstrip("/")
    return path.startswith(static) or path in {reverse(name) for name in OPEN_PAGES}
