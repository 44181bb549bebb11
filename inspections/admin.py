from django import forms
from django.contrib import admin
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from .models import ChecklistItem, ChecklistSection, ChecklistTemplate, Inspection, Rectification


class ChecklistTemplateForm(forms.ModelForm):
    class Meta:
        model = ChecklistTemplate
        fields = ["name", "version", "is_active", "effective_from"]

    def clean(self):
        data = super().clean()
        if data.get("is_active") and self.instance.pk:
            total = ChecklistItem.objects.filter(section__template=self.instance).aggregate(t=Sum("max_score"))["t"]
            if (total or 0) != 100:
                raise forms.ValidationError(
                    _("The maximum scores total %(total)s; a template in use must total 100.") % {"total": total or 0}
                )
        return data


class SectionInline(admin.TabularInline):
    model = ChecklistSection
    extra = 0
    show_change_link = True


class ItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    form = ChecklistTemplateForm
    list_display = ["name", "version", "is_active", "effective_from", "total"]
    inlines = [SectionInline]
    actions = ["copy_as_new_version"]

    @admin.display(description=_("Total of maximum scores"))
    def total(self, obj):
        return obj.total_max_score()

    @admin.action(description=_("Copy as a new version (not in use yet)"))
    def copy_as_new_version(self, request, queryset):
        from .services import template_copy

        for template in queryset:
            template_copy(template_id=template.pk, actor=request.user)


@admin.register(ChecklistSection)
class ChecklistSectionAdmin(admin.ModelAdmin):
    list_display = ["title", "template", "position"]
    list_filter = ["template"]
    inlines = [ItemInline]


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ["id", "station", "inspector", "scheduled_for", "status", "total", "grade"]
    list_filter = ["status", "grade"]
    readonly_fields = [f.name for f in Inspection._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Rectification)
class RectificationAdmin(admin.ModelAdmin):
    list_display = ["id", "station", "status", "deadline", "is_overdue"]
    list_filter = ["status", "is_overdue"]
    readonly_fields = [f.name for f in Rectification._meta.fields]

    def has_add_permission(self, request):
        return False
