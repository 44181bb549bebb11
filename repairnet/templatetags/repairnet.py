from django import template

from repairnet import roles
from repairnet.exports import export_query, mask_phone
from repairnet.money import format_cny
from repairnet.phones import phone_display, phone_link, phone_tel

register = template.Library()


@register.filter
def cny(value):
    """{{ amount|cny }} → ¥1,234.50"""
    if value in (None, ""):
        return ""
    return format_cny(value)


@register.filter
def masked(phone):
    return mask_phone(phone)


@register.filter
def phone(value):
    """{{ customer.phone|phone }} → 138 1234 5678 (a stored E.164 number in the national format)."""
    return phone_display(value)


@register.filter
def tel(value):
    """{{ customer.phone|tel }} → tel:+8613812345678 ("" for a masked number)."""
    return phone_tel(value)


@register.filter(name="phone_link")
def phone_link_filter(value):
    """{{ customer.phone|phone_link }} → a tel: link showing the national format; a masked number as text."""
    return phone_link(value)


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs):
    """Current query string with some parameters replaced (pagination that keeps filters)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.inclusion_tag("partials/export_link.html", takes_context=True)
def export_link(context, url_name: str, *args):
    """{% export_link "tickets:export" %} → the list's "导出 XLSX" link carrying its current filters."""
    from django.urls import reverse

    query = export_query(context["request"].GET)
    return {"href": reverse(url_name, args=args) + (f"?{query}" if query else ""), "name": url_name}


@register.simple_tag
def history_url(obj):
    from django.urls import reverse

    return reverse("object-history", args=[obj._meta.app_label, obj._meta.model_name, obj.pk])


@register.simple_tag(takes_context=True)
def transitions(context, obj):
    """{% transitions ticket as can_do %} … {% if "accept" in can_do %} — the verbs the user may do now."""
    return roles.available_transitions(obj, context["request"].user)
