"""Errors the services raise for the user: the message says why, in plain words."""


class CertificateError(Exception):
    """The action is not allowed now; the message says why, for the user."""
