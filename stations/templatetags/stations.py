from django import template

register = template.Library()


@register.simple_tag
def stations_dashboard():
    """Counts for HQ's home tile: open applications, understaffed stations, expiring certificates."""
    from stations.selectors import hq_dashboard_counts

    return hq_dashboard_counts()
