"""When a failed delivery is tried again, and when it is given up.

A delivery is tried at once, then 1 minute, 5 minutes, 30 minutes, 2 hours and 6 hours
after each failure: six attempts, then it has failed.

>>> retry_after(1), retry_after(5), retry_after(6)
(datetime.timedelta(seconds=60), datetime.timedelta(seconds=21600), None)
"""

import datetime as dt

BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1


def retry_after(attempts: int) -> dt.timedelta | None:
    """How long after its `attempts`-th failed attempt a delivery is tried again; None: never."""
    if attempts < 1:
        raise ValueError(f"attempts counts from 1, not {attempts}")
    if attempts > len(BACKOFF):
        return None
    return BACKOFF[attempts - 1]


def succeeded(status: int | None) -> bool:
    """Whether the receiver's answer delivers the event: any 2xx (a redirect is not followed)."""
    return status is not None and 200 <= status < 300
