"""Response headers Django and django-csp do not set themselves, and the session's idle timeout."""

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class PermissionsPolicyMiddleware:
    """Send `Permissions-Policy` (settings.PERMISSIONS_POLICY) on every response.

    The pages use none of the browser's powerful features, so each is denied
    to the page and to anything it could embed: `camera=()` means no origin at all.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


class NoStoreMiddleware:
    """`Cache-Control: private, no-store` on every answer to a signed-in user and every download.

    A signed-in page or a PDF/CSV/XLSX shows a borrower's figures: no shared
    cache (a proxy) nor the browser's own cache (back button, disk) may keep
    it. A download is any response sent as an attachment, whoever asked.
    Static files never reach this middleware: WhiteNoise answers them first,
    with their long cache.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Asked before the view too: an API view (DRF) replaces request.user with its own
        # token's user, or an anonymous one: a signed-in browser asking the API stays signed in.
        signed_in = _signed_in(request)
        response = self.get_response(request)
        download = response.get("Content-Disposition", "").startswith("attachment")
        if download or signed_in or _signed_in(request):
            patch_cache_control(response, private=True, no_store=True)
        return response


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


class SessionRefreshMiddleware:
    """Push a session's expiry ahead at most once per SESSION_REFRESH_INTERVAL seconds.

    A session ends SESSION_IDLE_TIMEOUT seconds after it was last saved. Saving
    it on every request (one UPDATE and a commit) would make the timeout exact
    to the second; saving it when the last save is at least the interval old
    makes it end between SESSION_IDLE_TIMEOUT − interval and SESSION_IDLE_TIMEOUT
    seconds after the last request, for one write a minute instead of one per
    page. A request without a live session (no cookie, or an expired one) starts none.
    Logging in saves the session, so it records the time then (`mark_saved_at_login`).
    """

    KEY = "_refreshed_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        last = session.get(self.KEY, 0)  # loads it: an expired one comes back without a key
        now = int(time.time())
        if session.session_key and now - last >= settings.SESSION_REFRESH_INTERVAL:
            session[self.KEY] = now  # saved, with a new expiry, as the response goes
        return self.get_response(request)


def mark_saved_at_login(sender: object, request: HttpRequest, **kwargs: object) -> None:
    """`user_logged_in` receiver: the session is saved as the login answers, so it is fresh."""
    request.session[SessionRefreshMiddleware.KEY] = int(time.time())
