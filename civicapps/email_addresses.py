"""Email addresses typed by residents or written in configuration, checked one way: email-validator."""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


def normalise_email(text: str) -> str | None:
    """``text`` as a tidy email address (domain lowercased, Unicode normalised), or None if it is not one.

    A regular expression lets through addresses mail servers refuse (and refuses some they take);
    email-validator follows the RFCs. The domain is not looked up: that is slow, and a mail relay
    can be briefly unreachable.
    """
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None
