from reporting.models.cadence import Cadence, FrequencySwitch
from reporting.models.calendar import DailyClose, DueItem, Reminder
from reporting.models.position import FacilityPosition

__all__ = [
    "Cadence",
    "DailyClose",
    "DueItem",
    "FacilityPosition",
    "FrequencySwitch",
    "Reminder",
]
