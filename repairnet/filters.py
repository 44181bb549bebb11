"""One FilterSet per list, shared by its page and its API endpoint: the same query string gives the same rows."""

from django.contrib import messages as flash
from django.forms import Select
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters

from .models import OutboxMessage


def page_rows(request, filterset_class, queryset, *, defaults: dict | None = None):
    """The page's rows through the FilterSet its API endpoint uses (``filterset_class``).

    ``defaults`` fill parameters the page's link leaves out (the API has none). An invalid value filters nothing
    and shows no rows, as the API answers 400, and the page says which value and why.
    """
    data = request.GET.copy()
    for key, value in (defaults or {}).items():
        data.setdefault(key, value)
    filterset = filterset_class(data, queryset=queryset, request=request)
    if not filterset.is_valid():
        for field, errors in filterset.errors.items():
            label = filterset.form.fields[field].label if field in filterset.form.fields else field
            flash.error(
                request, _("Invalid filter “%(field)s”: %(error)s") % {"field": label, "error": " ".join(errors)}
            )
        return queryset.none()
    return filterset.qs


class OutboxFilter(filters.FilterSet):
    created_from = filters.DateFilter(
        label=gettext_lazy("Created from"), field_name="created_at__date", lookup_expr="gte"
    )
    created_to = filters.DateFilter(label=gettext_lazy("Created to"), field_name="created_at__date", lookup_expr="lte")
    key = filters.CharFilter(label=gettext_lazy("Event key"), lookup_expr="startswith", max_length=150)

    class Meta:
        model = OutboxMessage
        fields = ["status", "channel", "event", "key", "created_from", "created_to"]

    @property
    def form(self):
        """Bootstrap's small controls, so the six filters fit a 375 px phone two by two."""
        form = super().form
        for field in form.fields.values():
            css = "form-select" if isinstance(field.widget, Select) else "form-control"
            field.widget.attrs.setdefault("class", f"{css} {css}-sm")
        return form
