"""The second factor's pages: enrolling an authenticator app, and entering a code after logging in.

The gate (abl/middleware.py) leaves both open to a session that has not passed
a second factor yet; each page asks abl.services.twofactor what this user may do.
"""

from base64 import b32encode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from abl.access import signed_in_user
from abl.services import twofactor as service


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class EnrolForm(CodeForm):
    """The app's code, and for bank staff the activation code their administrator issued."""

    activation = forms.CharField(
        label="Activation code",
        max_length=40,
        help_text="The one-time code your administrator gave you (ABCD-EFGH-JKLM-NPQR).",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    field_order = ["activation", "code"]

    def __init__(self, *args: object, activation: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not activation:
            del self.fields["activation"]
        else:  # the first field takes the focus
            self.fields["code"].widget.attrs.pop("autofocus", None)
            self.fields["activation"].widget.attrs["autofocus"] = True


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app (GET shows its QR code, POST confirms it with a code)."""
    user = signed_in_user(request)
    if service.is_enrolled(user):
        if service.needs_second_factor(user):
            # Enrolled but not verified: a stolen password must not replace the app.
            return redirect("two_factor_verify")
        return render(
            request,
            "abl/account/two_factor_enrolled.html",
            {"backup_codes_left": service.backup_codes_left(user)},
        )
    device = service.pending_device(user=user)
    activation = service.needs_activation(user)
    form = EnrolForm(request.POST or None, activation=activation)
    if request.method == "POST" and form.is_valid():
        try:
            codes = service.enrol_second_factor(
                user=user,
                device=device,
                code=form.cleaned_data["code"],
                activation=form.cleaned_data.get("activation", ""),
            )
        except service.TwoFactorError as error:
            messages.error(request, str(error))
        else:
            request.session.cycle_key()
            otp_login(request, device)
            # Shown once, in this answer: only their use is stored after this.
            return render(
                request,
                "abl/account/two_factor_codes.html",
                {"codes": codes, "next": _next(request)},
            )
    return render(
        request,
        "abl/account/two_factor.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device),
            "secret": _secret(device),
            "required": user.is_bank_staff,
            "activation": activation,
            "next": _next(request),
        },
    )


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """After the password, the code from the authenticator app (or a backup code)."""
    user = signed_in_user(request)
    if not service.needs_second_factor(user):
        return redirect(_next(request))
    if not service.is_enrolled(user):
        return redirect("two_factor")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = service.verify_second_factor(user=user, code=form.cleaned_data["code"])
        except service.TwoFactorError as error:
            messages.error(request, str(error))
        else:
            request.session.cycle_key()
            otp_login(request, device)
            return redirect(_next(request))
    return render(
        request, "abl/account/two_factor_verify.html", {"form": form, "next": _next(request)}
    )


def _next(request: HttpRequest) -> str:
    """Where to go afterwards: the page first asked for, when it is one of ours."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if safe else "/"


def _secret(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in: base32."""
    return b32encode(device.bin_key).decode()


def _qr_svg(device: TOTPDevice) -> SafeString:
    import segno  # only this page draws QR codes

    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, light="#fff", title="QR code for your authenticator app"
    )
    return mark_safe(svg)  # noqa: S308 — segno's own markup; the URI inside is escaped by it
