"""Role-aware navigation and the business date (§1) for the base layout."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from abl.business_date import today
from abl.models import Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": []}
    items = [("Home", reverse("home")), ("Facilities", reverse("facility_list"))]
    if getattr(user, "role", None) in {Role.ANALYST, Role.RELATIONSHIP_MANAGER}:
        items.append(("Portfolio", reverse("portfolio")))
    if getattr(user, "role", None) in {Role.ANALYST, Role.ADMIN}:
        items.append(("Review queue", reverse("review_queue")))
        items.append(("Statements to accept", reverse("statement_queue")))
        items.append(("Breach cases", reverse("breach_queue")))
        items.append(("Capex requests", reverse("capex_queue")))
        items.append(("Audit trail", reverse("audit_list")))
    if getattr(user, "role", None) == Role.ADMIN:
        items.append(("People", reverse("people_list")))
    if getattr(user, "role", None) in {Role.ADMIN, Role.BORROWER}:
        items.append(("Webhooks", reverse("webhooks")))
    return {"nav_items": items, "business_date": today()}
