"""A facility and the versions of its terms."""

from django.conf import settings
from django.db import models


class Facility(models.Model):
    """One credit facility between the bank and a borrower.

    Its numbers live in TermsVersion; the facility itself is identity and people.
    """

    slug = models.SlugField(max_length=80, unique=True, help_text="The terms file's facility.id")
    name = models.CharField(max_length=200)
    lender = models.ForeignKey(
        "abl.Organisation", on_delete=models.PROTECT, related_name="facilities_lent"
    )
    borrower = models.ForeignKey(
        "abl.Organisation", on_delete=models.PROTECT, related_name="facilities"
    )
    relationship_managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="portfolio"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "facilities"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def current_terms(self) -> "TermsVersion | None":
        return self.terms_versions.order_by("-version").first()


class TermsVersion(models.Model):
    """One version of a facility's terms, as loaded; never changed afterwards."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="terms_versions")
    version = models.PositiveIntegerField()
    effective_date = models.DateField()
    data = models.JSONField(help_text="The parsed terms, decimals as strings")
    source_text = models.TextField(blank=True, help_text="The YAML as loaded, when from a file")
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    recorded_on = models.DateField(
        null=True, blank=True, help_text="The business date it was recorded"
    )

    class Meta:
        ordering = ["facility", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "version"], name="one_number_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.facility} terms v{self.version} ({self.effective_date})"

    def letter_paths(self) -> list[str]:
        """Key paths the terms mark as given by the lender's letter (the rest are market defaults)."""
        sources = self.data.get("sources") or {}
        return list(sources.get("letter") or [])

    def amendment_of(self, path: str) -> str:
        """The bank's amendment of the term at `path` (or of a term containing it), in words;
        "" when the term is as loaded. An amended term's source is the amendment, not the letter."""
        amendments = (self.data.get("sources") or {}).get("amendments") or {}
        return next(
            (
                words
                for given, words in amendments.items()
                if path == given or path.startswith((f"{given}.", f"{given}["))
            ),
            "",
        )

    def is_from_letter(self, path: str) -> bool:
        return any(
            path == given or path.startswith((f"{given}.", f"{given}["))
            for given in self.letter_paths()
        )
