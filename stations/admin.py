from django.contrib import admin

from repairnet.admin import EffectiveDatedAdmin, ReadOnlyAdmin

from .models import (
    Application,
    Assessment,
    Certificate,
    ExamResult,
    RevocationReview,
    Sanction,
    SanctionRule,
    ScreeningCriterion,
    StaffProfile,
    Station,
    TierChange,
    TierRequirement,
)


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "tier", "status", "is_remote", "understaffed_since")
    list_filter = ("tier", "status", "is_remote")
    search_fields = ("code", "name")
    filter_horizontal = ("regions",)
    # status and tier change only through their services (state machine, audit row, tier history)
    readonly_fields = ("status", "tier", "understaffed_since")

    def has_add_permission(self, request):
        return False  # a station comes from an approved application

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TierRequirement)
class TierRequirementAdmin(EffectiveDatedAdmin):
    list_filter = ("tier",)
    list_display = (
        "tier",
        "effective_from",
        "deposit",
        "min_coordinators",
        "min_engineers",
        "min_repair_area",
        "min_storage_area",
        "min_score",
    )


@admin.register(ScreeningCriterion)
class ScreeningCriterionAdmin(EffectiveDatedAdmin):
    list_display = ("code", "name", "max_points", "order", "effective_from", "retired_on")
    editable_in_force = ("retired_on",)  # a line in force can be retired from a coming date


@admin.register(SanctionRule)
class SanctionRuleAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "amount",
        "consequence",
        "forfeits_deposit",
        "revokes_station",
        "opens_revocation_review",
        "effective_from",
        "active",
    )
    list_editable = ("amount", "active")


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "position", "joined_on", "left_on")
    list_select_related = ("user",)


@admin.register(ExamResult)
class ExamResultAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "exam_on", "theory_score", "practical_score", "passed")
    list_select_related = ("user",)
    raw_id_fields = ("user", "recorded_by")


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):  # issued from a passed exam, revoked with an effective date: services only
    list_display = ("number", "user", "kind", "issued_on", "expires_on", "status")
    list_filter = ("kind", "status")
    search_fields = ("number", "user__username", "user__last_name")
    list_select_related = ("user",)
    raw_id_fields = ("user", "exam")


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("reference", "company_name", "tier_wanted", "status", "total_score", "created_at")
    list_filter = ("status", "tier_wanted")
    search_fields = ("reference", "company_name")
    readonly_fields = ("status",)
    raw_id_fields = ("region", "station", "decided_by")


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("station", "year", "quarter", "total", "suggestion", "status")
    list_filter = ("year", "quarter", "suggestion", "status")
    readonly_fields = ("status",)


@admin.register(Sanction)
class SanctionAdmin(admin.ModelAdmin):
    list_display = ("station", "rule", "amount", "status", "raised_at", "settled_ref")
    list_filter = ("status", "rule")
    readonly_fields = ("status", "amount", "settled_ref")


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdmin):
    list_display = ("station", "from_tier", "to_tier", "changed_at", "actor")
    readonly_fields = ("station", "from_tier", "to_tier", "changed_at", "actor", "reason")


@admin.register(RevocationReview)
class RevocationReviewAdmin(ReadOnlyAdmin):  # opened by an approved record, decided by HQ: services only
    list_display = ("station", "sanction", "status", "opened_at", "decided_by", "decided_at")
    list_filter = ("status",)
    search_fields = ("station__code", "station__name")
    list_select_related = ("station", "sanction__rule", "decided_by")
    raw_id_fields = ("station", "sanction", "decided_by")
