"""Wagtail admin for plans, classes, sessions, enrolments, attendance and credited days.

One write path: school staff plan, schedule, enrol and take attendance in the /training/
workspace (menu item "培训工作台"); the admin lists these records read-only and scoped. Only
administrators change classes and sessions here, and then through the same services as the
workspace (class_create / class_update, session_save / session_delete) with the same checks
and Chinese messages; a class is never deleted (it is cancelled in the workspace), and
attendance, enrolments and credited days are never written here."""

from django import forms
from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from lms.accounts import policy
from lms.accounts.viewsets import ScopedSnippetViewSet
from lms.members.models import MemberCategory

from .models import AnnualPlan, Attendance, ClassSession, CreditedDay, Enrollment, PlannedClass, TrainingClass
from .services.classes import CLASS_FIELDS, class_create, class_rule_errors, class_update
from .services.sessions import session_delete, session_save

CLASS_NOT_DELETED = "班次不能删除；如需停办，请在培训工作台取消班次。"


class TrainingClassAdminForm(WagtailAdminModelForm):
    audiences = forms.MultipleChoiceField(
        label="培训对象", choices=MemberCategory.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    def clean(self):
        """The workspace's class rules, in its words (before the model's own constraint checks)."""
        data = super().clean()
        if self.errors:
            return data
        probe = TrainingClass(pk=self.instance.pk)
        for name in ("start_date", "end_date", "capacity"):
            setattr(probe, name, data.get(name, getattr(self.instance, name)))
        self._rule_errors = class_rule_errors(probe)
        for field, message in self._rule_errors.items():
            self.add_error(field if field in self.fields else None, message)
        return data

    def _post_clean(self):
        if getattr(self, "_rule_errors", None):
            return  # the rules' messages stand; the model's constraint would only repeat them
        super()._post_clean()


class _ReadOnlyTraining(ScopedSnippetViewSet):
    door_scope = "scoped"
    read_only = True
    copy_view_enabled = False
    inspect_view_enabled = True
    site_url = "/training/"


class PlanViewSet(_ReadOnlyTraining):
    model = AnnualPlan
    icon = "date"
    menu_label = "年度教学计划"
    list_display = ["__str__", "school", "year", "status"]
    list_filter = ["status", "year"]


class PlannedClassViewSet(_ReadOnlyTraining):
    model = PlannedClass
    icon = "list-ul"
    menu_label = "计划班次"
    list_display = ["title", "plan", "quarter", "module", "target_trainees"]
    list_filter = ["quarter", "module"]


class TrainingClassViewSet(ScopedSnippetViewSet):
    """Administrators only, through class_create / class_update; never deleted or copied here."""

    model = TrainingClass
    door_scope = "scoped"
    writers = staticmethod(policy.is_admin)
    deletable = False
    copy_view_enabled = False
    inspect_view_enabled = True
    icon = "group"
    menu_label = "班次"
    list_display = ["title", "school", "start_date", "status", "is_compliant"]
    list_filter = ["status", "is_compliant", "module", "is_rotation"]
    search_fields = ["title"]
    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldPanel("school"),
            FieldRowPanel([FieldPanel("module"), FieldPanel("is_rotation")]),
            FieldPanel("audiences"),
            FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date"), FieldPanel("capacity")]),
            FieldPanel("place"),
            FieldPanel("planned_class"),
        ],
        base_form_class=TrainingClassAdminForm,
    )

    def save_object(self, user, instance, *, form, creating):
        data = form.cleaned_data
        if creating:
            return class_create(
                user=user,
                school=data["school"],
                title=data["title"],
                start_date=data["start_date"],
                end_date=data.get("end_date"),
                module=data.get("module") or "general",
                audiences=list(data.get("audiences") or []),
                capacity=data.get("capacity") or 60,
                place=data.get("place") or "",
                is_rotation=bool(data.get("is_rotation")),
                planned_class=data.get("planned_class"),
            )
        stored = TrainingClass.objects.get(pk=instance.pk)
        if data.get("school") != stored.school or data.get("planned_class") != stored.planned_class:
            raise ValidationError("班次创建后不能更换开课党校或计划班次。")
        fields = {name: data[name] for name in CLASS_FIELDS if name in data and data[name] != getattr(stored, name)}
        return class_update(user=user, training_class=stored, **fields)


class SessionViewSet(ScopedSnippetViewSet):
    """Administrators only, through session_save / session_delete (a session with attendance
    is not deleted, with the workspace's message)."""

    model = ClassSession
    door_scope = "scoped"
    writers = staticmethod(policy.is_admin)
    copy_view_enabled = False
    inspect_view_enabled = True
    icon = "time"
    menu_label = "课次"
    list_display = ["__str__", "training_class", "starts_at", "teaching_point", "teacher"]
    list_filter = ["kind"]
    edit_handler = ObjectList(
        [
            FieldPanel("training_class"),
            FieldRowPanel([FieldPanel("kind"), FieldPanel("title")]),
            FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
            FieldPanel("teaching_point"),
            FieldPanel("room"),
            FieldPanel("teacher"),
        ],
    )

    def save_object(self, user, instance, *, form, creating):
        return session_save(user=user, session=instance)

    def delete_object(self, user, instance):
        session_delete(user=user, session=instance)


class EnrollmentViewSet(_ReadOnlyTraining):
    model = Enrollment
    icon = "user"
    menu_label = "报名"
    list_display = ["member", "training_class", "created_at"]


class AttendanceViewSet(_ReadOnlyTraining):
    model = Attendance
    icon = "tick"
    menu_label = "出勤"
    list_display = ["member", "session", "present", "source", "signed_at"]
    list_filter = ["present", "source"]


class CreditedDayViewSet(_ReadOnlyTraining):
    model = CreditedDay
    icon = "success"
    menu_label = "认定培训日"
    list_display = ["member", "day", "training_class", "school_tier", "hours"]
    list_filter = ["school_tier", "is_rotation"]


class TrainingGroup(SnippetViewSetGroup):
    menu_label = "班次与培训"
    menu_icon = "group"
    menu_order = 210
    items = (
        PlanViewSet,
        PlannedClassViewSet,
        TrainingClassViewSet,
        SessionViewSet,
        EnrollmentViewSet,
        AttendanceViewSet,
        CreditedDayViewSet,
    )


register_snippet(TrainingGroup)
