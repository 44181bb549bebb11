"""The navbar's menus: each area's ``_nav.html`` lists its links in a ``{% navgroup %}``; a group of one link is
shown as that link, a larger one as a dropdown menu, so the navbar stays on one line at 1366 px for HQ.

    {% load nav %}
    {% navgroup _("Tickets") id="nav-tickets" %}
      {% if perms_can.tickets.create %}{% navlink "tickets:hotline" _("Log a call") accesskey="n" pin=True %}{% endif %}
      {% if perms_can.tickets.view %}{% navlink "tickets:list" _("Tickets") %}{% endif %}
    {% endnavgroup %}

``pin=True`` keeps a link on the bar beside its group's menu (the role's daily work: log a call, my queue).
The link of the page shown is marked active (``aria-current="page"``), the longest matching path winning.
"""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

_STACK = "repairnet_nav_links"


@register.simple_tag(takes_context=True)
def navlink(context, url_name: str, label, *, id: str = "", accesskey: str = "", pin: bool = False, query: str = ""):  # noqa: A002
    """One link of the enclosing ``{% navgroup %}`` (outside a group: a plain navbar link)."""
    link = {"url": reverse(url_name) + (f"?{query}" if query else ""), "label": label, "id": id, "accesskey": accesskey}
    link["pin"] = pin
    stack = context.render_context.get(_STACK)
    if stack:
        stack[-1].append(link)
        return ""
    request = context.get("request")
    return _item(link, active=bool(request and _matches(request.path, link["url"])))


def _matches(path: str, url: str) -> bool:
    url = url.split("?", 1)[0]
    return url != "/" and path.startswith(url)


def _attrs(link: dict, active: bool) -> str:
    return format_html(
        "{}{}{}",
        format_html(' id="{}"', link["id"]) if link["id"] else "",
        format_html(' accesskey="{}"', link["accesskey"]) if link["accesskey"] else "",
        mark_safe(' aria-current="page"') if active else "",
    )


def _item(link: dict, *, active: bool) -> str:
    return format_html(
        '<li class="nav-item"><a class="nav-link{}" href="{}"{}>{}</a></li>',
        " active" if active else "",
        link["url"],
        _attrs(link, active),
        link["label"],
    )


class NavGroupNode(template.Node):
    def __init__(self, nodelist, label, group_id):
        self.nodelist, self.label, self.group_id = nodelist, label, group_id

    def render(self, context):
        stack = context.render_context.setdefault(_STACK, [])
        stack.append([])
        try:
            self.nodelist.render(context)
        finally:
            links = stack.pop()
        if not links:
            return ""
        request = context.get("request")
        path = request.path if request else ""
        matching = [link for link in links if _matches(path, link["url"])]
        current = max(matching, key=lambda link: len(link["url"]), default=None)
        pinned = [link for link in links if link["pin"]]
        menu = [link for link in links if not link["pin"]]
        out = [_item(link, active=link is current) for link in pinned]
        if len(menu) == 1:
            out.append(_item(menu[0], active=menu[0] is current))
        elif menu:
            group_id = self.group_id.resolve(context) if self.group_id else ""
            label = self.label.resolve(context)
            items = format_html_join(
                "",
                '<li><a class="dropdown-item{}" href="{}"{}>{}</a></li>',
                (
                    (" active" if link is current else "", link["url"], _attrs(link, link is current), link["label"])
                    for link in menu
                ),
            )
            out.append(
                format_html(
                    '<li class="nav-item dropdown"><a class="nav-link dropdown-toggle{}" href="#" role="button"'
                    ' data-bs-toggle="dropdown" aria-expanded="false"{}>{}</a>'
                    '<ul class="dropdown-menu"{}>{}</ul></li>',
                    " active" if current in menu else "",
                    format_html(' id="{}"', group_id) if group_id else "",
                    label,
                    format_html(' aria-labelledby="{}"', group_id) if group_id else "",
                    items,
                )
            )
        return "".join(out)


@register.tag
def navgroup(parser, token):
    """``{% navgroup label [id="…"] %}…{% endnavgroup %}``: the ``navlink``s inside, as one menu."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("navgroup needs a label")
    label = parser.compile_filter(bits[1])
    group_id = None
    for bit in bits[2:]:
        key, _, value = bit.partition("=")
        if key != "id" or not value:
            raise template.TemplateSyntaxError(f"navgroup: unknown argument {bit!r}")
        group_id = parser.compile_filter(value)
    nodelist = parser.parse(("endnavgroup",))
    parser.delete_first_token()
    return NavGroupNode(nodelist, label, group_id)
