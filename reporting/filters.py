"""The portfolio dashboard's filters and sorting (django-filter), over the facilities with their
stored lines (`position__…`): a facility not measured yet is listed with empty figures."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from abl.models import Facility
from reporting.calc.position import EXCEPTION_LABELS
from reporting.models.cadence import FREQUENCY_CHOICES
from reporting.models.position import COVENANT_STATUS_CHOICES

# Each exception kind as a condition on the stored position (reporting.calc.position.exceptions_of).
EXCEPTION_CONDITIONS: dict[str, dict[str, object]] = {
    "in_default": {"in_default": True},
    "over_advanced": {"over_advanced": True},
    "breach": {"open_breaches__gt": 0},
    "late_report": {"overdue_items__gt": 0},
    "stale_certificate": {"certificate_stale": True},
}


def exception_condition(kind: str, prefix: str = "") -> Q:
    """The stored line has the exception `kind` (of a facility's line with prefix "position__")."""
    return Q(**{prefix + lookup: value for lookup, value in EXCEPTION_CONDITIONS[kind].items()})


ANY_EXCEPTION = "any"

SORTABLE = {
    "name": "Facility",
    "commitment": "Commitment",
    "borrowing_base": "Borrowing base",
    "outstanding": "Outstanding",
    "excess_availability": "Excess availability",
    "excess_availability_pct": "Excess %",
    "utilisation": "Utilisation",
    "next_certificate_due": "Next certificate due",
    "overdue_items": "Overdue",
    "tightest_headroom_pct": "Tightest headroom",
    "projected_breaches": "Projected breaches",
    "fees_this_month": "Fees this month",
    "exception_count": "Exceptions",
}


class PortfolioFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Facility")
    frequency = django_filters.ChoiceFilter(
        field_name="position__frequency", choices=FREQUENCY_CHOICES, label="Reporting"
    )
    covenant_status = django_filters.ChoiceFilter(
        field_name="position__covenant_status", choices=COVENANT_STATUS_CHOICES, label="Covenants"
    )
    exception = django_filters.ChoiceFilter(
        choices=[(ANY_EXCEPTION, "Any exception"), *EXCEPTION_LABELS.items()],
        method="filter_exception",
        label="Exceptions",
    )
    sort = django_filters.OrderingFilter(
        fields={(name if name == "name" else f"position__{name}"): name for name in SORTABLE},
        label="Sort",
    )

    class Meta:
        model = Facility
        fields: list[str] = []

    def filter_exception(
        self, queryset: QuerySet[Facility], name: str, value: Any
    ) -> QuerySet[Facility]:
        if value == ANY_EXCEPTION:
            return queryset.filter(position__exception_count__gt=0)
        return queryset.filter(exception_condition(value, "position__"))
