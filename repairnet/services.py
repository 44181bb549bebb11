"""Cross-cutting write services: the audit trail, the one state-transition helper, the one settings reader,
and accounts (password-reset requests counted per address, HQ's forced password reset)."""

import datetime
import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.template import loader
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from . import locks, roles
from .models import AuditEvent, Notification, PasswordResetRequest, RuleVersion, User


class InvalidTransition(ValidationError):
    """A move the state machine does not allow; its message is shown to the user as is."""

    def __init__(self, obj, from_state: str, to_state: str):
        labels = dict(type(obj).Status.choices)
        super().__init__(
            _("Cannot change from “%(from)s” to “%(to)s”.")
            % {"from": labels.get(from_state, from_state), "to": labels.get(to_state, to_state)},
            code="invalid_transition",
        )


def audit_record(
    *,
    obj: models.Model,
    verb: str,
    actor=None,
    note: str = "",
    from_state: str = "",
    to_state: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Append one audit event: who (actor), what (verb, states, data), when (now), why (note)."""
    return AuditEvent.objects.create(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        verb=verb,
        from_state=from_state,
        to_state=to_state,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
        data=data or {},
    )


def apply_transition(
    obj: models.Model,
    *,
    to: str,
    actor,
    note: str = "",
    verb: str = "",
    field: str = "status",
    extra_update_fields: tuple[str, ...] = (),
    data: dict | None = None,
    require_note: bool = False,
) -> models.Model:
    """Move a row that the caller has already locked (select_for_update, inside a transaction).

    Checks ``type(obj).TRANSITIONS``, writes the audit event and saves with update_fields. Verb
    services add their own preconditions, then call this.
    """
    current = getattr(obj, field)
    if to not in type(obj).TRANSITIONS.get(current, ()):
        raise InvalidTransition(obj, current, to)
    if require_note and not note.strip():
        raise ValidationError(_("Please give a reason."), code="reason_required")
    setattr(obj, field, to)
    update_fields = [field, *extra_update_fields]
    if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
        update_fields.append("updated_at")
    obj.save(update_fields=update_fields)
    audit_record(obj=obj, verb=verb or to, actor=actor, note=note, from_state=current, to_state=to, data=data)
    return obj


def ensure(condition: bool, message: str, code: str = "invalid", *, field: str | None = None) -> None:
    """Raise a user-facing ValidationError unless ``condition`` holds; on ``field`` when it names the input."""
    if not condition:
        error = ValidationError(message, code=code)
        raise ValidationError({field: error}) if field else error


def ensure_permitted(condition: bool, message: str = "") -> None:
    if not condition:
        raise PermissionDenied(message or _("You do not have permission to do this."))


def setting(name: str, *, on: datetime.date | None = None):
    """A business rule's number: settings.REPAIRNET, where each has its one default (a missing name raises).

    The rules HQ changes from a date on (``RuleVersion.Key``) read the version in force on ``on`` (default
    today); a caller deciding something dated passes that date, and a loop reads it once before the loop.
    """
    default = settings.REPAIRNET[name]
    if name not in RuleVersion.Key.values:
        return default
    on = on or timezone.localdate()
    version = RuleVersion.objects.filter(key=name, effective_from__lte=on).order_by("-effective_from").first()
    return default if version is None else version.value


def _rule_checks(key: str, value) -> list[str]:
    """What is wrong with ``value`` for ``key`` (empty when it is fine): the default's shape, whole numbers
    from 0 to 100, weights summing to 100, grade and assessment thresholds in their order."""
    default = settings.REPAIRNET[key]
    numbers = list(value.values()) if isinstance(value, dict) else [value]
    if isinstance(default, dict) != isinstance(value, dict) or (
        isinstance(default, dict) and set(value) != set(default)
    ):
        keys = ", ".join(default) if isinstance(default, dict) else ""
        return [_("Give the numbers for: %(keys)s.") % {"keys": keys} if keys else _("Give one number.")]
    if not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 100 for n in numbers):
        return [_("Every number must be a whole number from 0 to 100.")]
    if key == RuleVersion.Key.ASSESSMENT_WEIGHTS and sum(numbers) != 100:
        return [_("The weights must add up to 100 (they add up to %(n)s).") % {"n": sum(numbers)}]
    if key == RuleVersion.Key.GRADE_THRESHOLDS and not value["A"] > value["B"] > value["C"]:
        return [_("Grade A needs more points than B, and B more than C.")]
    if key == RuleVersion.Key.ASSESSMENT_THRESHOLDS and not (
        value["upgrade"] > value["downgrade"] > value["revocation"]
    ):
        return [_("The upgrade score must be above the downgrade score, and that above the revocation score.")]
    return []


def rule_version_check(*, key: str, effective_from: datetime.date | None, value) -> None:
    """Refuse a version that would rewrite the past or that its rule cannot read (field errors)."""
    errors = {}
    if key not in RuleVersion.Key.values:
        errors["key"] = [_("Choose a rule.")]
    elif problems := _rule_checks(key, value):
        errors["value"] = problems
    if effective_from is None:
        errors["effective_from"] = [_("Give the date from which it applies.")]
    elif effective_from < timezone.localdate():
        errors["effective_from"] = [_("A change applies from today or later; decisions already made keep their rule.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def rule_version_set(*, key: str, effective_from: datetime.date, value, actor, note: str = "") -> RuleVersion:
    """HQ changes a rule from a date on (a future version may be replaced until its day comes)."""
    roles.require(actor, "rules.edit")
    rule_version_check(key=key, effective_from=effective_from, value=value)
    version, created = RuleVersion.objects.update_or_create(
        key=key, effective_from=effective_from, defaults={"value": value, "note": note, "created_by": actor}
    )
    audit_record(
        obj=version,
        verb="rule_version_set" if created else "rule_version_replaced",
        actor=actor,
        note=note,
        data={"key": key, "effective_from": f"{effective_from:%Y-%m-%d}", "value": value},
    )
    return version


# --- accounts: password reset -----------------------------------------------------------------------

PASSWORD_RESET_SUBJECT = "registration/password_reset_subject.txt"
PASSWORD_RESET_BODY = "registration/password_reset_email.html"


def _email_digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


@transaction.atomic
def password_reset_request_allow(*, ip_address: str, email: str) -> bool:
    """May this client ask for a reset e-mail to this address now? Counts it when it may.

    At most PASSWORD_RESET_MAX_REQUESTS per client address and per e-mail address within
    PASSWORD_RESET_WINDOW_SECONDS, counted in the database (so it holds with the cache down), whether or not
    anyone has that address — the answer never tells. Refused requests are not counted.
    """
    digest = _email_digest(email)
    locks.hold(f"password-reset:ip:{ip_address}", f"password-reset:email:{digest}")
    now = timezone.now()
    recent = PasswordResetRequest.objects.filter(
        requested_at__gt=now - datetime.timedelta(seconds=settings.PASSWORD_RESET_WINDOW_SECONDS)
    )
    limit = settings.PASSWORD_RESET_MAX_REQUESTS
    if recent.filter(ip_address=ip_address).count() >= limit or recent.filter(email_digest=digest).count() >= limit:
        return False
    PasswordResetRequest.objects.create(ip_address=ip_address, email_digest=digest, requested_at=now)
    return True


def password_reset_requests_purge() -> int:
    """Housekeeping: forget requests older than the window (they no longer count)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.PASSWORD_RESET_WINDOW_SECONDS)
    deleted, _by_model = PasswordResetRequest.objects.filter(requested_at__lt=cutoff).delete()
    return deleted


def password_reset_mail_context(*, user: User, site_url: str, forced: bool = False) -> dict:
    """What the reset e-mail templates read: Django's own context (uid, token, protocol, domain) plus ours.
    Links go to SITE_URL when it is set, else to ``site_url`` (the address the request came in at)."""
    parts = urlsplit(settings.SITE_URL or site_url)
    return {
        "email": user.email,
        "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "protocol": parts.scheme or "https",
        "domain": parts.netloc + parts.path.rstrip("/"),
        "site_name": parts.netloc,
        "forced": forced,
        "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }


def password_reset_mail_send(*, user: User, context: dict) -> None:
    """Send the reset e-mail (Django's template names, our Chinese text). Errors propagate: a task retries."""
    subject = "".join(loader.render_to_string(PASSWORD_RESET_SUBJECT, context).splitlines())
    body = loader.render_to_string(PASSWORD_RESET_BODY, context)
    EmailMultiAlternatives(subject, body, None, [user.email]).send()


@transaction.atomic
def user_password_reset_force(*, user: User, actor, reason: str, site_url: str = "") -> User:
    """HQ makes a person choose a new password: the current one stops working at once, and with it every
    session and API token of theirs (User.save); the person is e-mailed a reset link; the audit trail keeps
    who did it and why. Only an administrator may do this to an administrator."""
    roles.require(actor, "users.password_reset.force")
    user = User.objects.select_for_update().get(pk=user.pk)
    ensure_permitted(not user.is_superuser or roles.has_role(actor, roles.ADMIN))
    reason = (reason or "").strip()
    ensure(bool(reason), _("Please give a reason."), code="reason_required", field="reason")
    ensure(user.is_active, _("This account is deactivated; reactivate it before resetting its password."))
    ensure(
        bool(user.email),
        _("%(name)s has no e-mail address for the reset link; add one first.") % {"name": user.display_name},
        code="no_email",
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    audit_record(obj=user, verb="password_reset_forced", actor=actor, note=reason)
    link_base = settings.SITE_URL or site_url

    def _queue():
        from .tasks import user_password_reset_mail_task  # tasks import this module

        user_password_reset_mail_task.delay(user.pk, link_base)

    transaction.on_commit(_queue)
    return user


def user_password_reset_mail(*, user_id: int, site_url: str) -> bool:
    """The forced reset's e-mail (the task body), in the site's language; False when there is none to send:
    the person has meanwhile chosen a password, been deactivated or lost the address."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.is_active or not user.email or user.has_usable_password():
        return False
    with translation.override(settings.LANGUAGE_CODE):
        context = password_reset_mail_context(user=user, site_url=site_url, forced=True)
        password_reset_mail_send(user=user, context=context)
    return True


# --- in-app notifications (站内通知) ---------------------------------------------------------------


def notification_raise(
    *, kind: str, key: str, recipient_ids, params: dict | None = None, url: str = ""
) -> list[Notification]:
    """Notify each recipient of one event, once: ``key`` names the event (e.g. ``ticket_dispatched:42:<time>``)
    and (recipient, key) is unique, so a retried action or a job run twice adds nothing.

    Called inside the business action's transaction: the notice exists exactly when the event does, and a
    failure here fails the action loudly instead of leaving it half done."""
    if kind not in Notification.Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not key or len(key) > 150:
        raise ValueError(f"a notification key is 1–150 characters: {key!r}")
    rows = [
        Notification(recipient_id=uid, kind=kind, key=key, params=params or {}, url=url)
        for uid in sorted(set(recipient_ids))
    ]
    if rows:
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return rows


def notification_mark_read(*, notification_id: int, actor, now=None) -> Notification:
    """Mark one of the actor's own notifications read; anyone else's is refused."""
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None or notification.recipient_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor, now=None) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=now or timezone.now())
