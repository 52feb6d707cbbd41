"""API tokens on the account page (one's own) and a person's page (an administrator's).

Making one answers with the page and the token, shown this once (only its hash is kept);
revoking redirects. The same audited service as `create_api_token` (abl/services/api_tokens.py).
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from abl.access import require_role, signed_in_user
from abl.forms import show_refusal
from abl.models import ApiToken, Role, User
from abl.services import api_tokens as service


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What it is for, e.g. “treasury system”.")
    days = forms.IntegerField(
        min_value=1, max_value=settings.ABL_API_TOKEN_MAX_DAYS, initial=settings.ABL_API_TOKEN_DAYS
    )
    read_only = forms.BooleanField(required=False, help_text="It may read, never change.")


def live_tokens(person: User, *, by_admin: bool) -> list[tuple[ApiToken, str]]:
    """The person's tokens still working, each with the address that revokes it."""
    tokens = ApiToken.objects.filter(user=person, revoked_at=None, expires_at__gt=timezone.now())
    if by_admin:
        return [(t, reverse("revoke_person_token", args=[person.pk, t.pk])) for t in tokens]
    return [(t, reverse("revoke_my_token", args=[t.pk])) for t in tokens]


def _make(request: HttpRequest, person: User, form: ApiTokenForm) -> service.NewToken | None:
    if not form.is_valid():
        return None
    try:
        return service.create_api_token(
            user=person, actor=signed_in_user(request), **form.cleaned_data
        )
    except service.TokenRefused as error:
        show_refusal(form, error)
        return None


@login_required
@require_POST
def create_my_token(request: HttpRequest) -> HttpResponse:
    from abl.views.accounts import account_page

    user = signed_in_user(request)
    form = ApiTokenForm(request.POST)
    made = _make(request, user, form)
    return account_page(request, token_form=form, new_token=made)


@login_required
@require_POST
def revoke_my_token(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    token = service.revoke_api_token(
        token=get_object_or_404(ApiToken, pk=pk, user=user), actor=user
    )
    messages.success(request, f"API token {token.name!r} revoked.")
    return redirect("account")


@login_required
@require_POST
def create_person_token(request: HttpRequest, pk: int) -> HttpResponse:
    from abl.views.people import person_page

    require_role(signed_in_user(request), Role.ADMIN)
    person = get_object_or_404(User.objects.select_related("organisation"), pk=pk)
    form = ApiTokenForm(request.POST)
    made = _make(request, person, form)
    return person_page(request, person, token_form=form, new_token=made)


@login_required
@require_POST
def revoke_person_token(request: HttpRequest, pk: int, token_pk: int) -> HttpResponse:
    actor = signed_in_user(request)
    require_role(actor, Role.ADMIN)
    token = get_object_or_404(ApiToken, pk=token_pk, user_id=pk)
    service.revoke_api_token(token=token, actor=actor)
    messages.success(request, f"API token {token.name!r} of {token.user.username} revoked.")
    return redirect("person_detail", pk)
