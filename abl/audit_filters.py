"""The audit trail's filters and search (django-filter): facility, user, action or a kind of
action, a range of business dates, and words in the event."""

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from abl.models import AuditEvent, Facility, User

DAY = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"})
SELECT = {"class": "form-select form-select-sm"}
EVERY = ".*"  # an action kind's choice: "certificate.*" is every certificate.… action


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every action the trail holds, grouped by kind, each kind first with "every action"."""
    actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
    kinds: dict[str, list[tuple[str, str]]] = {}
    for action in actions:
        kind = action.split(".", 1)[0]
        kinds.setdefault(kind, [(kind + EVERY, f"{kind}: every action")]).append((action, action))
    return list(kinds.items())


class AuditFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label="Search",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "class": "form-control form-control-sm"}),
    )
    facility = django_filters.ModelChoiceFilter(
        queryset=Facility.objects.order_by("name"),
        label="Facility",
        widget=forms.Select(attrs=SELECT),
    )
    actor = django_filters.ModelChoiceFilter(
        queryset=User.objects.order_by("username"),
        null_label="system",
        label="User",
        widget=forms.Select(attrs=SELECT),
    )
    action = django_filters.ChoiceFilter(
        choices=action_choices,
        method="filter_action",
        label="Action",
        widget=forms.Select(attrs=SELECT),
    )
    since = django_filters.DateFilter(
        field_name="business_date", lookup_expr="gte", label="From (business date)", widget=DAY
    )
    until = django_filters.DateFilter(
        field_name="business_date", lookup_expr="lte", label="To (business date)", widget=DAY
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def filter_action(
        self, queryset: QuerySet[AuditEvent], name: str, value: Any
    ) -> QuerySet[AuditEvent]:
        if value.endswith(EVERY):
            return queryset.filter(action__startswith=value.removesuffix(EVERY) + ".")
        return queryset.filter(action=value)

    def search(self, queryset: QuerySet[AuditEvent], name: str, value: Any) -> QuerySet[AuditEvent]:
        words = value.strip()
        if not words:
            return queryset
        return queryset.filter(
            Q(summary__icontains=words)
            | Q(action__icontains=words)
            | Q(actor_name__icontains=words)
            | Q(object_type__icontains=words)
            | Q(object_id=words)
            | Q(hash=words.lower())
        )
