"""Who uses ABL Desk: organisations (the bank, each borrower) and their people."""

from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac


class Organisation(models.Model):
    class Kind(models.TextChoices):
        BANK = "bank", "Bank"
        BORROWER = "borrower", "Borrower"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    BORROWER = "borrower", "Borrower user"
    ANALYST = "analyst", "ABL analyst"
    RELATIONSHIP_MANAGER = "relationship_manager", "Relationship manager"
    ADMIN = "admin", "Administrator"


class User(AbstractUser):
    """A person. Borrower users belong to one borrower; bank staff to the bank."""

    role = models.CharField(max_length=30, choices=Role.choices, default=Role.BORROWER)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="people"
    )
    title = models.CharField(max_length=120, blank=True)
    approval_limit = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        default=Decimal("0.00"),
        db_default=Decimal("0.00"),
        help_text="An ABL analyst approves an advance up to this amount alone; above it, a "
        "second analyst's approval is needed (§7)",
    )
    # Raised by "log out everywhere": every session signed with the old value ends.
    session_generation = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="borrower_user_has_organisation",
                condition=~models.Q(role="borrower") | models.Q(organisation__isnull=False),
            ),
            models.CheckConstraint(
                name="approval_limit_not_negative", condition=models.Q(approval_limit__gte=0)
            ),
        ]

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's session hash of the password, with the session generation mixed in.

        Django keeps this hash in every session and ends a session whose hash no
        longer matches, so raising `session_generation` ("log out everywhere")
        ends every session signed with the old value, like a password change.
        Django's public `get_session_auth_hash` and its fallback hashes (for
        SECRET_KEY_FALLBACKS) both call this method, so neither lets an old
        session back in; tests/test_sessions.py proves it end to end.
        """
        key_salt = "abl.User.session_auth_hash"
        value = f"{self.password}\x00{self.session_generation}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    @property
    def is_bank_staff(self) -> bool:
        return self.role in {Role.ANALYST, Role.RELATIONSHIP_MANAGER, Role.ADMIN}

    @property
    def is_analyst(self) -> bool:
        return self.role == Role.ANALYST

    def approves_alone(self, amount: Decimal) -> bool:
        """Whether this analyst's approval alone books an advance of `amount` (§7): up to the
        approval limit; above it a second analyst approves too."""
        return amount <= self.approval_limit


class TwoFactorActivation(models.Model):
    """A one-time code an administrator issued so that a person may enrol an authenticator app.

    Only the code's SHA-256 is stored (the code is 16 random characters, 80 bits:
    a fast hash is enough, as for a session key). It works once (`used_at`) and
    until `expires_at`. abl.services.people issues it; abl.services.twofactor
    takes it.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="two_factor_activations")
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Two-factor activation for {self.user} issued {self.issued_at:%Y-%m-%d %H:%M}"
