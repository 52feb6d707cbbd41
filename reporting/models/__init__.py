from reporting.models.cadence import Cadence, FrequencySwitch
from reporting.models.calendar import DailyClose, DueItem, Reminder

__all__ = ["Cadence", "DailyClose", "DueItem", "FrequencySwitch", "Reminder"]
