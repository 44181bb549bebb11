"""Page plumbing shared by every area: a service's ValidationError shown on a form or as flash messages."""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError


def add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field where the form has one, else on top."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


def error_text(exc: ValidationError) -> str:
    """A service's ValidationError as one line, for a flash message."""
    if hasattr(exc, "error_dict"):
        return " ".join(m for messages in exc.message_dict.values() for m in messages)
    return " ".join(exc.messages)


def flash_errors(request, exc: ValidationError) -> None:
    """A service's ValidationError as error messages on the next page."""
    for message in exc.messages:
        flash.error(request, message)
