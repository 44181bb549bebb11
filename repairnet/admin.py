from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, JobRun, Region, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("RepairNet"), {"fields": ("phone", "station")}))
    list_display = ("username", "last_name", "first_name", "station", "is_active")
    list_filter = ("groups", "is_active")
    list_select_related = ("station",)
    autocomplete_fields = ("station",)


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
