from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.template import TemplateSyntaxError, engines
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import roles
from .models import (
    AuditEvent,
    JobRun,
    MessageOptOut,
    MessageTemplate,
    Notification,
    OutboxMessage,
    Region,
    RuleVersion,
    User,
)
from .services import audit_record, rule_version_check, rule_version_set


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("RepairNet"), {"fields": ("phone", "station", "managed_regions")}))
    filter_horizontal = (*BaseUserAdmin.filter_horizontal, "managed_regions")
    list_display = ("username", "last_name", "first_name", "station", "is_active")
    list_filter = ("groups", "is_active")
    list_select_related = ("station",)
    autocomplete_fields = ("station",)
    # A forced password reset goes through the same route and service as the staff page's button.
    change_form_template = "admin/repairnet/user/change_form.html"

    def render_change_form(self, request, context, *args, **kwargs):
        context["can_force_password_reset"] = roles.can(request.user, "users.password_reset.force")
        return super().render_change_form(request, context, *args, **kwargs)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that only services write (with their audit row): the admin shows them, never adds, edits or
    deletes one. Every area's ledgers, states and results use it."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "content_type", "object_id", "verb", "from_state", "to_state", "actor", "note")
    list_filter = ("content_type", "verb")
    list_select_related = ("content_type", "actor")


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ("name", "started_at", "finished_at", "ok", "result")
    list_filter = ("name", "ok")


class EffectiveDatedForm(forms.ModelForm):
    """A rule row's dates: a change applies from today or later, so decisions already made keep their rule."""

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        for name in ("effective_from", "retired_on"):
            if name in self.changed_data and data.get(name) is not None and data[name] < today:
                self.add_error(name, _("A change applies from today or later; decisions already made keep their rule."))
        return data


class EffectiveDatedAdmin(admin.ModelAdmin):
    """Rule rows with an ``effective_from``: a row already in force is history (applications, exams and
    assessments were decided on it), so it is read-only; HQ adds a row dated from when the change applies.
    Every save is an audit row."""

    form = EffectiveDatedForm
    editable_in_force: tuple[str, ...] = ()

    @staticmethod
    def in_force(obj) -> bool:
        return obj is not None and obj.effective_from <= timezone.localdate()

    def get_readonly_fields(self, request, obj=None):
        if self.in_force(obj):
            return [f.name for f in self.model._meta.fields if f.editable and f.name not in self.editable_in_force]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self.in_force(obj) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = {name: str(form.cleaned_data.get(name)) for name in form.changed_data}
        audit_record(obj=obj, verb="rule_changed" if change else "rule_added", actor=request.user, data=changed)


class RuleVersionForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        try:
            rule_version_check(key=data.get("key"), effective_from=data.get("effective_from"), value=data.get("value"))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data


@admin.register(RuleVersion)
class RuleVersionAdmin(EffectiveDatedAdmin):
    form = RuleVersionForm
    list_display = ("key", "effective_from", "value", "note", "created_by")
    list_filter = ("key",)
    fields = ("key", "effective_from", "value", "note")

    def save_model(self, request, obj, form, change):
        version = rule_version_set(
            key=obj.key, effective_from=obj.effective_from, value=obj.value, note=obj.note, actor=request.user
        )
        obj.pk = version.pk


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notifications are raised by the services of their events."""

    list_display = ["created_at", "recipient", "kind", "key", "read_at"]
    list_filter = ["kind"]
    search_fields = ["key", "recipient__username"]
    list_select_related = ["recipient"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: messages are written by the services of their events and moved by the delivery sweep."""

    list_display = ["created_at", "event", "channel", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "event"]
    search_fields = ["key", "address", "recipient"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["event", "channel", "subject", "body", "wechat_template_id", "is_active"]

    def clean(self):
        data = super().clean()
        try:
            engines["django"].from_string(data.get("subject", "") + data.get("body", ""))
        except TemplateSyntaxError as exc:
            raise forms.ValidationError(_("The template does not parse: %(error)s") % {"error": exc}) from exc
        return data


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """HQ edits the Chinese text of each event and channel (Django template language over the event's
    parameters, e.g. {{ number }}); the next delivery uses it."""

    form = MessageTemplateForm
    list_display = ["event", "channel", "is_active", "updated_at"]
    list_filter = ["channel", "is_active"]


@admin.register(MessageOptOut)
class MessageOptOutAdmin(admin.ModelAdmin):
    list_display = ["phone", "reason", "created_at"]
    search_fields = ["phone"]
