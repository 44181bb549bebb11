from django import template

from repairnet import roles
from repairnet.exports import mask_phone
from repairnet.money import format_cny

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


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs):
    """Current query string with some parameters replaced (pagination that keeps filters)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.simple_tag
def history_url(obj):
    from django.urls import reverse

    return reverse("object-history", args=[obj._meta.app_label, obj._meta.model_name, obj.pk])


@register.simple_tag(takes_context=True)
def transitions(context, obj):
    """{% transitions ticket as can_do %} … {% if "accept" in can_do %} — the verbs the user may do now."""
    return roles.available_transitions(obj, context["request"].user)
