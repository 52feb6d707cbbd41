"""The error the covenant services raise for the user: the message says why, in plain words."""


class CovenantRefused(Exception):
    """The action is not allowed now; nothing was changed."""
