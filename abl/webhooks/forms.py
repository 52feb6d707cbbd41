"""The form that adds a webhook endpoint; the service checks the URL (its message names the field)."""

from django import forms

from abl.webhooks.calc.events import EVENT_TYPES


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=500,
        help_text="Where the events are POSTed: https:// (http:// only in development).",
    )
    description = forms.CharField(max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=list(EVENT_TYPES.items()),
        widget=forms.CheckboxSelectMultiple,
        initial=list(EVENT_TYPES),
    )
