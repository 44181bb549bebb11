from django import template

from stations.selectors import hq_dashboard_counts

register = template.Library()


@register.simple_tag
def stations_dashboard():
    """Counts for HQ's home tile: open applications, understaffed stations, expiring certificates."""
    return hq_dashboard_counts()
