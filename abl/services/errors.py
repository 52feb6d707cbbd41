"""Errors the services raise for the user: the message says why, in plain words."""


class Refused(Exception):
    """An action refused; nothing was changed.

    The message is for the user; `field` names the form field (and so the
    command's argument) it is about, or None when it is about the action itself.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class LoanRefused(Refused):
    """An advance, repayment or ledger action refused; nothing was changed."""


class FeeRefused(Refused):
    """A fee-ledger action (posting, field exams, base rates) refused; nothing was changed."""


class CertificateError(Refused):
    """A certificate action (report, certify, review, reserves, terms) not allowed now; nothing
    was changed."""


class DocumentRefused(Refused):
    """A loan-document action (the checklist, acknowledging terms) refused; nothing was changed."""
