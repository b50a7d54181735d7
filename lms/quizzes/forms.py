"""Admin forms: the course and lesson pickers offer only what the editor may edit."""

from __future__ import annotations

from wagtail.admin.forms import WagtailAdminModelForm


class CourseScopedForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        from .selectors import editable_course_ids  # selectors import the models, which use this form

        super().__init__(*args, **kwargs)
        user = self.for_user
        course_ids = editable_course_ids(user) if user is not None else []
        if "course" in self.fields:
            self.fields["course"].queryset = self.fields["course"].queryset.filter(pk__in=course_ids)
        if "lesson" in self.fields:
            from courses.models import CoursePage

            paths = CoursePage.objects.filter(pk__in=course_ids).values_list("path", flat=True)
            lessons = self.fields["lesson"].queryset
            allowed = [pk for pk, path in lessons.values_list("pk", "path") if any(path.startswith(p) for p in paths)]
            self.fields["lesson"].queryset = lessons.filter(pk__in=allowed)
