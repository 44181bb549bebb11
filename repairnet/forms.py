"""Page plumbing shared by every area: a service's ValidationError shown on a form or as flash messages; the
password-reset request form."""

import logging

from django.contrib import messages as flash
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError

from .services import password_reset_mail_context, password_reset_mail_send

log = logging.getLogger("repairnet.accounts")


def add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field where the form has one, else on top."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


def service_accepted(form, call) -> bool:
    """Whether ``form`` is valid and the service ``call(**form.cleaned_data)`` accepted it; a service's refusal
    is shown on the form (``add_service_errors``)."""
    if not form.is_valid():
        return False
    try:
        call(**form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return False
    return True


def error_text(exc: ValidationError) -> str:
    """A service's ValidationError as one line, for a flash message."""
    if hasattr(exc, "error_dict"):
        return " ".join(m for messages in exc.message_dict.values() for m in messages)
    return " ".join(exc.messages)


def flash_errors(request, exc: ValidationError) -> None:
    """A service's ValidationError as error messages on the next page."""
    for message in exc.messages:
        flash.error(request, message)


class PasswordResetRequestForm(auth_forms.PasswordResetForm):
    """Django's reset request form, sending through the one reset e-mail (repairnet.services) — also what a
    forced reset sends. A failed send is logged, never shown: the page must not tell which addresses exist."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["class"] = "form-control"

    def save(self, *, site_url: str) -> None:
        for user in self.get_users(self.cleaned_data["email"]):
            try:
                password_reset_mail_send(user=user, context=password_reset_mail_context(user=user, site_url=site_url))
            except Exception:  # noqa: BLE001 - any mail failure, as Django's own form does
                log.exception("password reset e-mail to user %s failed", user.pk)


class SetPasswordForm(auth_forms.SetPasswordForm):
    """The new password of a reset link, with the page's input style."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"
