"""The error the covenant services raise for the user: the message says why, in plain words."""

from abl.services.errors import Refused


class CovenantRefused(Refused):
    """A covenant action (statements, tests, breach cases) not allowed now; nothing was changed."""
