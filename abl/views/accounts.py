"""The user's own account page, the lockout page, and the administrator's lockouts and sessions.

Each POST calls one service in abl/services/accounts.py (audited) and redirects.
The lockouts page and ending another person's sessions answer 404 to everyone
but an administrator.
"""

from typing import Any

from axes.helpers import get_client_username
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from abl.access import require_role, signed_in_user
from abl.models import Role, User
from abl.services import accounts as service


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """django-axes' AXES_LOCKOUT_CALLABLE: what a locked-out login attempt gets.

    Runs only when axes refuses a login, never on a good one. The failure that
    reaches the limit is the one axes has just counted as that very number: it
    is audited; the refused attempts after it are not.
    """
    username = get_client_username(request, credentials) or ""
    ip_address = getattr(request, "axes_ip_address", None)
    until = service.locked_until(username=username, ip_address=ip_address)
    failures = getattr(request, "axes_failures_since_start", None)
    if failures == settings.AXES_FAILURE_LIMIT:
        service.record_lockout(
            username=username, ip_address=ip_address, failures=failures, until=until
        )
    return render(request, "registration/locked_out.html", {"until": until}, status=429)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return account_page(request)


def account_page(
    request: HttpRequest, *, token_form: Any = None, new_token: Any = None
) -> HttpResponse:
    """The account page; with `new_token`, the API token just made, shown this once."""
    from abl.views.api_tokens import ApiTokenForm, live_tokens

    person = signed_in_user(request)
    context = {
        "person": person,
        "idle_minutes": settings.SESSION_IDLE_TIMEOUT // 60,
        "api_tokens": live_tokens(person, by_admin=False),
        "token_form": ApiTokenForm() if new_token or token_form is None else token_form,
        "new_token": new_token,
    }
    status = 400 if token_form is not None and new_token is None else 200
    return render(request, "abl/account/account.html", context, status=status)


@login_required
@require_POST
def end_my_sessions(request: HttpRequest) -> HttpResponse:
    """Log out everywhere else: every other session of this user ends; this one stays."""
    user = signed_in_user(request)
    user = service.end_sessions(actor=user, user=user)
    update_session_auth_hash(request, user)
    messages.success(request, "Every other session of yours has ended.")
    return redirect("account")


@login_required
@require_POST
def end_person_sessions(request: HttpRequest, pk: int) -> HttpResponse:
    """An administrator ends every session of a person (from the person's page)."""
    actor = signed_in_user(request)
    require_role(actor, Role.ADMIN)
    person = service.end_sessions(actor=actor, user=get_object_or_404(User, pk=pk))
    if person.pk == actor.pk:
        update_session_auth_hash(request, person)
    messages.success(request, f"Every session of {person.username} has ended.")
    return redirect("person_detail", person.pk)


class UnlockForm(forms.Form):
    username = forms.CharField(max_length=255)
    ip_address = forms.GenericIPAddressField()


@login_required
def lockout_list(request: HttpRequest) -> HttpResponse:
    require_role(signed_in_user(request), Role.ADMIN)
    context = {
        "lockouts": service.current_lockouts(),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cool_off_hours": settings.AXES_COOLOFF_TIME,
    }
    return render(request, "abl/account/lockouts.html", context)


@login_required
@require_POST
def unlock(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    require_role(actor, Role.ADMIN)
    form = UnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say which username and address to unlock.")
        return redirect("lockout_list")
    try:
        service.unlock_login(actor=actor, **form.cleaned_data)
    except service.AccountsError as error:
        messages.error(request, str(error))
    else:
        data = form.cleaned_data
        messages.success(request, f"{data['username']} from {data['ip_address']} unlocked.")
    return redirect("lockout_list")
