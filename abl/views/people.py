"""The administrator's pages: people, their roles, and who manages which facility.

Everyone but an administrator gets 404. Each POST calls one service in
abl/services/people.py (validated, audited) and redirects; a refusal shows the
form again with the message on its field.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from abl.access import get_facility_for_user, require_role, signed_in_user
from abl.forms import show_refusal
from abl.models import Facility, Organisation, Role, User
from abl.services import people as service
from abl.views.api_tokens import ApiTokenForm, live_tokens


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


def _organisation_field() -> OrganisationChoiceField:
    # Not required here: the service's rule says what is missing, in one place.
    return OrganisationChoiceField(Organisation.objects.order_by("kind", "name"), required=False)


class CreateUserForm(forms.Form):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(choices=Role.choices)
    organisation = _organisation_field()
    title = forms.CharField(max_length=120, required=False)
    password = forms.CharField(
        label="Initial password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Leave empty and the account cannot log in until a password is set.",
    )


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    organisation = _organisation_field()
    reason = forms.CharField(label="Why this change", max_length=300)


class DeactivateForm(forms.Form):
    reason = forms.CharField(label="Why deactivate", max_length=300)


class SetPasswordForm(forms.Form):
    password = forms.CharField(
        label="New password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="The same again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return cleaned


class TwoFactorActivationForm(forms.Form):
    reason = forms.CharField(label="Why (a new phone, first set-up…)", max_length=300)


class AssignManagerForm(forms.Form):
    user = forms.ModelChoiceField(User.objects.none(), label="Relationship manager")

    def __init__(self, *args: object, facility: Facility, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = service.relationship_manager_choices(facility)


def _admin(request: HttpRequest) -> User:
    user = signed_in_user(request)
    require_role(user, Role.ADMIN)
    return user


@login_required
def people_list(request: HttpRequest) -> HttpResponse:
    _admin(request)
    people = User.objects.select_related("organisation").order_by(
        "organisation__name", "last_name", "username"
    )
    facilities = Facility.objects.select_related("lender", "borrower").prefetch_related(
        "relationship_managers"
    )
    return render(request, "abl/people/list.html", {"people": people, "facilities": facilities})


@login_required
def create_person(request: HttpRequest) -> HttpResponse:
    actor = _admin(request)
    form = CreateUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = service.create_user(
                actor=actor,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                role=data["role"],
                organisation=data["organisation"],
                title=data["title"],
                password=data["password"] or None,
            )
        except service.PeopleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"{person.username} created.")
            return redirect("person_detail", person.pk)
    status = 400 if form.errors else 200
    return render(request, "abl/people/create.html", {"form": form}, status=status)


def _person_page(
    request: HttpRequest,
    person: User,
    *,
    token_form: forms.Form | None = None,
    new_token: object = None,
    role_form: ChangeRoleForm | None = None,
    deactivate_form: DeactivateForm | None = None,
    activation_form: TwoFactorActivationForm | None = None,
    activation_code: str = "",
    password_form: SetPasswordForm | None = None,
) -> HttpResponse:
    context = {
        "person": person,
        "portfolio": person.portfolio.select_related("borrower"),
        "role_form": role_form
        or ChangeRoleForm(initial={"role": person.role, "organisation": person.organisation_id}),
        "deactivate_form": deactivate_form or DeactivateForm(),
        "activation_form": activation_form or TwoFactorActivationForm(),
        "activation_code": activation_code,
        "password_form": password_form or SetPasswordForm(),
        "api_tokens": live_tokens(person, by_admin=True),
        "token_form": ApiTokenForm() if new_token or token_form is None else token_form,
        "new_token": new_token,
    }
    refused = token_form is not None and new_token is None
    status = 400 if role_form or deactivate_form or activation_form or password_form else 200
    status = 400 if refused else status
    return render(request, "abl/people/detail.html", context, status=status)


person_page = _person_page  # the API token views answer with this page too


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _admin(request)
    return _person_page(
        request, get_object_or_404(User.objects.select_related("organisation"), pk=pk)
    )


@login_required
@require_POST
def change_role(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _admin(request)
    person = get_object_or_404(User, pk=pk)
    form = ChangeRoleForm(request.POST)
    if form.is_valid():
        try:
            service.change_role(actor=actor, user=person, **form.cleaned_data)
        except service.PeopleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"{person.username}'s role and organisation changed.")
            return redirect("person_detail", person.pk)
    return _person_page(request, person, role_form=form)


@login_required
@require_POST
def deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _admin(request)
    person = get_object_or_404(User, pk=pk)
    form = DeactivateForm(request.POST)
    if form.is_valid():
        try:
            service.deactivate_user(actor=actor, user=person, reason=form.cleaned_data["reason"])
        except service.PeopleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"{person.username} deactivated.")
            return redirect("person_detail", person.pk)
    return _person_page(request, person, deactivate_form=form)


@login_required
@require_POST
def set_password(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _admin(request)
    person = get_object_or_404(User, pk=pk)
    form = SetPasswordForm(request.POST)
    if form.is_valid():
        try:
            service.set_password(actor=actor, user=person, password=form.cleaned_data["password"])
        except service.PeopleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"{person.username}'s password set.")
            return redirect("person_detail", person.pk)
    return _person_page(request, person, password_form=form)


@login_required
@require_POST
def issue_two_factor_activation(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a one-time activation code and show it, once, in this answer: only its hash is kept."""
    actor = _admin(request)
    person = get_object_or_404(User.objects.select_related("organisation"), pk=pk)
    form = TwoFactorActivationForm(request.POST)
    if form.is_valid():
        try:
            code = service.issue_two_factor_activation(
                actor=actor, user=person, reason=form.cleaned_data["reason"]
            )
        except service.PeopleError as error:
            show_refusal(form, error)
        else:
            return _person_page(request, person, activation_code=code)
    return _person_page(request, person, activation_form=form)


@login_required
def facility_managers(request: HttpRequest, pk: int) -> HttpResponse:
    """The facility's relationship managers: GET lists them, POST adds one."""
    actor = _admin(request)
    facility = get_facility_for_user(actor, pk)
    form = AssignManagerForm(request.POST or None, facility=facility)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["user"]
        try:
            service.assign_relationship_manager(actor=actor, facility=facility, user=person)
        except service.PeopleError as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"{person.username} now manages {facility}.")
            return redirect("facility_managers", facility.pk)
    context = {
        "facility": facility,
        "managers": facility.relationship_managers.order_by("last_name", "username"),
        "form": form,
    }
    status = 400 if form.errors else 200
    return render(request, "abl/people/facility_managers.html", context, status=status)


@login_required
@require_POST
def remove_manager(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    actor = _admin(request)
    facility = get_facility_for_user(actor, pk)
    person = get_object_or_404(User, pk=user_pk)
    try:
        service.remove_relationship_manager(actor=actor, facility=facility, user=person)
    except service.PeopleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{person.username} no longer manages {facility}.")
    return redirect("facility_managers", facility.pk)
