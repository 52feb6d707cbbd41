"""The due calendar of a facility: what is due, received, overdue; the frequency and its switches."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from abl import business_date
from abl.access import get_facility_for_user
from abl.models import User
from reporting.models import FrequencySwitch
from reporting.services import calendar
from reporting.services.status import summaries


@login_required
def due_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    assert isinstance(request.user, User)
    facility = get_facility_for_user(request.user, pk)
    on = business_date.today()
    (summary,) = summaries([facility], on=on)
    context = {
        "facility": facility,
        "on": on,
        "summary": summary,
        "items": calendar.calendar_for(facility),
        "switches": FrequencySwitch.objects.filter(facility=facility)[:50],
    }
    return render(request, "reporting/due_calendar.html", context)
