from django.contrib import admin

from .models import Station


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "tier", "status", "is_remote")
    list_filter = ("tier", "status", "is_remote")
    search_fields = ("code", "name")
    filter_horizontal = ("regions",)
