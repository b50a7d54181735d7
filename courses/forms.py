"""Admin form for course pages: the offering school is one the editor may publish for
(lms.accounts.policy.course_school_ids); the page permissions then follow it
(lms.accounts.pages)."""

from wagtail.admin.forms import WagtailAdminPageForm

from lms.accounts import policy


class CoursePageForm(WagtailAdminPageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("school")
        user = self.for_user
        if field is None or user is None or policy.is_admin(user):
            return
        field.queryset = field.queryset.filter(pk__in=policy.course_school_ids(user))
        if not policy.may_edit_county_courses(user):
            field.required = True
            field.help_text = "请选择开课党校（只能选择本党校）。"
