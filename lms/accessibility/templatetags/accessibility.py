from django import template

from courses.selectors import my_progress

register = template.Library()


@register.simple_tag
def current_lesson(member):
    """The lesson a member is in the middle of (what 学习 on the simplified home resumes)."""
    if member is None:
        return None
    progress = my_progress(member).filter(completed_at__isnull=True).first()
    return progress.lesson if progress else None
