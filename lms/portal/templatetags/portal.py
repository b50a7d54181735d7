from django import template

from lms.portal.panels import nav_items

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_nav(context):
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return nav_items(request)
