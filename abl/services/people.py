"""People: creating users, their role and organisation, relationship managers.

Only an active administrator (role `admin`) acts here. Each function is
keyword-only, transactional and writes exactly one audit event. The rule that
ties a role to the kind of organisation lives in `check_membership`, used by
these functions and by the Django admin's add form alike.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from abl.audit import record
from abl.models import Facility, Organisation, Role, TwoFactorActivation, User
from abl.services.errors import Refused

BANK_ROLES = frozenset({Role.ANALYST, Role.RELATIONSHIP_MANAGER, Role.ADMIN})


class PeopleError(Refused):
    """The change is not allowed; the message says why, for the user.

    `field` names the form field the message belongs to, when there is one.
    """


def can_manage_people(user: User) -> bool:
    """Who may create users, change roles and assign relationship managers."""
    return bool(user.is_authenticated and user.is_active and user.role == Role.ADMIN)


def check_membership(*, role: str, organisation: Organisation | None) -> None:
    """A borrower user belongs to a borrower; bank staff belong to a bank; nobody to none.

    The database only knows half of this (`borrower_user_has_organisation`): a
    check constraint cannot see the organisation's kind.
    """
    if role not in Role.values:
        raise PeopleError(f"Unknown role {role!r}.", field="role")
    if organisation is None:
        raise PeopleError("Choose the organisation this person belongs to.", field="organisation")
    if role == Role.BORROWER and organisation.kind != Organisation.Kind.BORROWER:
        raise PeopleError(
            "A borrower user belongs to a borrower organisation.", field="organisation"
        )
    if role in BANK_ROLES and organisation.kind != Organisation.Kind.BANK:
        raise PeopleError(
            "Bank staff (analyst, relationship manager, administrator) belong to a bank "
            "organisation.",
            field="organisation",
        )


def _require_admin(actor: User) -> None:
    if not can_manage_people(actor):
        raise PeopleError("Only an administrator manages people.")


def _require_reason(reason: str) -> str:
    if not reason.strip():
        raise PeopleError("Say why: a reason is required.", field="reason")
    return reason.strip()


@transaction.atomic
def create_user(
    *,
    actor: User,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    organisation: Organisation | None,
    title: str = "",
    password: str | None = None,
) -> User:
    """Create a person. Without a password the account cannot log in until one is set."""
    _require_admin(actor)
    username = username.strip()
    if not username:
        raise PeopleError("A username is required.", field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise PeopleError(f"The username {username!r} is taken.", field="username")
    check_membership(role=role, organisation=organisation)
    user = User(
        username=username,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
        role=role,
        organisation=organisation,
        title=title.strip(),
    )
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise PeopleError(" ".join(error.messages), field="password") from None
        user.set_password(password)
    user.save()
    record(
        actor=actor,
        action="user.created",
        obj=user,
        summary=f"User {user.username} created: {user.get_role_display()} at {organisation}",
        changes={
            "role": role,
            "organisation": organisation.name if organisation else None,
            "password": "set" if password is not None else "unusable",
        },
    )
    return user


def _leave_portfolios(user: User, *, keep_lender_id: int | None) -> list[str]:
    """Take the user off every facility not lent by `keep_lender_id` (None: off all)."""
    leaving = user.portfolio.all()
    if keep_lender_id is not None:
        leaving = leaving.exclude(lender_id=keep_lender_id)
    slugs = sorted(leaving.values_list("slug", flat=True))
    user.portfolio.remove(*leaving)
    return slugs


@transaction.atomic
def change_role(
    *, actor: User, user: User, role: str, organisation: Organisation | None, reason: str
) -> User:
    """Change what a person is and where they belong.

    A relationship manager who stops being one, or moves to another bank,
    leaves the portfolios that no longer fit; the audit event lists them.
    """
    _require_admin(actor)
    # No select_related here: PostgreSQL cannot lock the nullable side of an outer join.
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == actor.pk:
        raise PeopleError("Another administrator changes your own role.")
    check_membership(role=role, organisation=organisation)
    reason = _require_reason(reason)
    assert organisation is not None
    if user.role == role and user.organisation_id == organisation.pk:
        raise PeopleError("Nothing to change: that is already the role and organisation.")
    before: dict[str, Any] = {
        "role": user.role,
        "organisation": user.organisation.name if user.organisation else None,
    }
    keep = organisation.pk if role == Role.RELATIONSHIP_MANAGER else None
    left = _leave_portfolios(user, keep_lender_id=keep)
    user.role, user.organisation = role, organisation
    user.save(update_fields=["role", "organisation"])
    record(
        actor=actor,
        action="user.role_changed",
        obj=user,
        summary=f"{user.username} is now {user.get_role_display()} at {organisation}: {reason}",
        changes={
            "role": [before["role"], role],
            "organisation": [before["organisation"], organisation.name],
            "left_portfolios": left,
            "reason": reason,
        },
    )
    return user


@transaction.atomic
def deactivate_user(*, actor: User, user: User, reason: str) -> User:
    """Stop a person from logging in; history keeps their name. They leave every portfolio."""
    _require_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == actor.pk:
        raise PeopleError("You cannot deactivate yourself.")
    if not user.is_active:
        raise PeopleError(f"{user.username} is already deactivated.")
    reason = _require_reason(reason)
    left = _leave_portfolios(user, keep_lender_id=None)
    user.is_active = False
    user.save(update_fields=["is_active"])
    record(
        actor=actor,
        action="user.deactivated",
        obj=user,
        summary=f"{user.username} deactivated: {reason}",
        changes={"left_portfolios": left, "reason": reason},
    )
    return user


def relationship_manager_choices(facility: Facility) -> QuerySet[User]:
    """Who may join the facility's portfolio: active RMs of its lender, not yet on it."""
    return (
        User.objects.filter(
            role=Role.RELATIONSHIP_MANAGER, is_active=True, organisation_id=facility.lender_id
        )
        .exclude(portfolio=facility)
        .order_by("last_name", "first_name", "username")
    )


@transaction.atomic
def assign_relationship_manager(*, actor: User, facility: Facility, user: User) -> None:
    """Add a relationship manager of the facility's lender to its portfolio (and so its data)."""
    _require_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role != Role.RELATIONSHIP_MANAGER:
        raise PeopleError(
            f"{user.username} is not a relationship manager ({user.get_role_display()}).",
            field="user",
        )
    if not user.is_active:
        raise PeopleError(f"{user.username} is deactivated.", field="user")
    if user.organisation_id != facility.lender_id:
        raise PeopleError(
            f"{user.username} does not work for {facility.lender}, the facility's lender.",
            field="user",
        )
    if facility.relationship_managers.filter(pk=user.pk).exists():
        raise PeopleError(f"{user.username} already manages {facility}.", field="user")
    facility.relationship_managers.add(user)
    record(
        actor=actor,
        action="facility.rm_assigned",
        obj=facility,
        facility=facility,
        summary=f"{user.username} now manages {facility}",
        changes={"user": user.username},
    )


@transaction.atomic
def remove_relationship_manager(*, actor: User, facility: Facility, user: User) -> None:
    """Take a relationship manager off the facility: they no longer see its data."""
    _require_admin(actor)
    if not facility.relationship_managers.filter(pk=user.pk).exists():
        raise PeopleError(f"{user.username} does not manage {facility}.", field="user")
    facility.relationship_managers.remove(user)
    record(
        actor=actor,
        action="facility.rm_removed",
        obj=facility,
        facility=facility,
        summary=f"{user.username} no longer manages {facility}",
        changes={"user": user.username},
    )


@transaction.atomic
def set_password(*, actor: User, user: User, password: str) -> User:
    """Set a person's password (Django's validators apply). Their sessions end with it:
    each session carries a hash of the password."""
    _require_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise PeopleError(f"{user.username} is deactivated.")
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise PeopleError(" ".join(error.messages), field="password") from None
    user.set_password(password)
    user.save(update_fields=["password"])
    record(
        actor=actor,
        action="user.password_set",
        obj=user,
        summary=f"Password of {user.username} set by an administrator",
        changes={"password": "set"},
    )
    return user


@transaction.atomic
def issue_two_factor_activation(*, actor: User, user: User, reason: str) -> str:
    """A new one-time code with which `user` enrols an authenticator app; returned once.

    The person's present app and backup codes are removed (a lost phone, a new
    one) and any code issued before stops working; the code works once, for
    ABL_TWO_FACTOR_ACTIVATION_HOURS. Only its hash is kept.
    """
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from abl.services.twofactor import new_activation_code

    _require_admin(actor)
    reason = _require_reason(reason)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise PeopleError(f"{user.username} is deactivated.")
    now = timezone.now()
    TwoFactorActivation.objects.filter(user=user, used_at=None, expires_at__gt=now).update(
        expires_at=now
    )
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    removed_backup, _ = StaticDevice.objects.filter(user=user).delete()
    code, code_hash = new_activation_code()
    expires_at = now + dt.timedelta(hours=settings.ABL_TWO_FACTOR_ACTIVATION_HOURS)
    TwoFactorActivation.objects.create(
        user=user, code_hash=code_hash, issued_by=actor, issued_at=now, expires_at=expires_at
    )
    record(
        actor=actor,
        action="two_factor.activation_issued",
        obj=user,
        summary=f"Two-factor activation code issued to {user.username}: {reason}",
        changes={
            "reason": reason,
            "expires_at": expires_at.isoformat(),
            "devices_removed": removed + removed_backup,
        },
    )
    return code
