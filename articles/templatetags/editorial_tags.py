from django import template

from articles.desk import permissions
from articles.desk.dashboard import dashboard_sections

register = template.Library()


@register.inclusion_tag("admin/articles/_dashboard.html")
def editorial_dashboard(user):
    sections = dashboard_sections(user)
    return {
        "show": sections is not None,
        "sections": sections or [],
        "can_create": permissions.can_create_articles(user),
    }
