"""Wagtail admin for plans, classes, sessions, enrolments, attendance and credited days.

Listings and object views go through scope (ScopedSnippetViewSet). Forms limit choices to the
user's schools and run the same session rules as the workspace; workflow steps that need an
audit trail (plan approval, publishing, roll call, enrolment up to capacity) happen in the
/training/ workspace, so status fields are not editable here."""

from django import forms
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from lms.accounts.scope import scope_for, scoped
from lms.accounts.viewsets import ScopedSnippetViewSet
from lms.members.models import MemberCategory

from . import services
from .models import AnnualPlan, Attendance, ClassSession, CreditedDay, Enrollment, PlannedClass, TrainingClass
from .rules import session_conflicts


def _manageable_school_ids(user):
    scope = scope_for(user)
    return None if scope.is_all else (scope.school_ids if scope.can_manage_schools else set())


class _ScopedSchoolForm(WagtailAdminModelForm):
    school_field = "school"

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        ids = _manageable_school_ids(for_user)
        field = self.fields.get(self.school_field)
        if field is not None and ids is not None:
            field.queryset = field.queryset.filter(pk__in=ids)


class AudiencesFormMixin(forms.Form):
    audiences = forms.MultipleChoiceField(
        label="培训对象", choices=MemberCategory.choices, widget=forms.CheckboxSelectMultiple, required=False
    )


class PlanAdminForm(_ScopedSchoolForm):
    pass


class PlannedClassAdminForm(AudiencesFormMixin, WagtailAdminModelForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        ids = _manageable_school_ids(for_user)
        qs = AnnualPlan.objects.filter(status__in=[AnnualPlan.Status.DRAFT, AnnualPlan.Status.RETURNED])
        self.fields["plan"].queryset = qs if ids is None else qs.filter(school_id__in=ids)


class TrainingClassAdminForm(AudiencesFormMixin, _ScopedSchoolForm):
    pass


class SessionAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        ids = _manageable_school_ids(for_user)
        qs = TrainingClass.objects.exclude(status=TrainingClass.Status.CANCELLED).select_related("school")
        self.fields["training_class"].queryset = qs if ids is None else qs.filter(school_id__in=ids)

    def clean(self):
        data = super().clean()
        session = self.instance
        for name in ("training_class", "kind", "title", "starts_at", "ends_at", "teaching_point", "teacher", "room"):
            if name in data:
                setattr(session, name, data[name])
        if not session.training_class_id or self.errors:
            return data
        errors = services.session_rule_errors(session, session.training_class.school) or session_conflicts(session)
        for field, message in errors.items():
            self.add_error(field if field in self.fields else None, message)
        return data


class PlanViewSet(ScopedSnippetViewSet):
    model = AnnualPlan
    icon = "date"
    menu_label = "年度教学计划"
    list_display = ["__str__", "school", "year", "status"]
    list_filter = ["status", "year"]
    edit_handler = ObjectList(
        [FieldPanel("school"), FieldPanel("year"), FieldPanel("title"), FieldPanel("notes")],
        base_form_class=PlanAdminForm,
    )


class PlannedClassViewSet(ScopedSnippetViewSet):
    model = PlannedClass
    icon = "list-ul"
    menu_label = "计划班次"
    list_display = ["title", "plan", "quarter", "module", "target_trainees"]
    list_filter = ["quarter", "module"]
    edit_handler = ObjectList(
        [
            FieldPanel("plan"),
            FieldPanel("title"),
            FieldRowPanel([FieldPanel("quarter"), FieldPanel("module"), FieldPanel("target_trainees")]),
            FieldPanel("audiences"),
            FieldPanel("is_rotation"),
        ],
        base_form_class=PlannedClassAdminForm,
    )


class TrainingClassViewSet(ScopedSnippetViewSet):
    model = TrainingClass
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


class SessionViewSet(ScopedSnippetViewSet):
    model = ClassSession
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
        base_form_class=SessionAdminForm,
    )


class EnrollmentViewSet(ScopedSnippetViewSet):
    model = Enrollment
    icon = "user"
    menu_label = "报名"
    list_display = ["member", "training_class", "created_at"]


class AttendanceViewSet(ScopedSnippetViewSet):
    model = Attendance
    icon = "tick"
    menu_label = "出勤"
    list_display = ["member", "session", "present", "source", "signed_at"]
    list_filter = ["present", "source"]


class CreditedDayViewSet(ScopedSnippetViewSet):
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


def _refresh_compliance(request, instance):
    if isinstance(instance, ClassSession):
        services.compliance_refresh(instance.training_class)
    elif isinstance(instance, TrainingClass):
        services.compliance_refresh(instance)


@hooks.register("after_create_snippet")
def training_after_create(request, instance):
    _refresh_compliance(request, instance)


@hooks.register("after_edit_snippet")
def training_after_edit(request, instance):
    _refresh_compliance(request, instance)


@hooks.register("after_delete_snippet")
def training_after_delete(request, instances):
    for instance in instances if isinstance(instances, list | tuple) else [instances]:
        if isinstance(instance, ClassSession):
            tc = TrainingClass.objects.filter(pk=instance.training_class_id).first()
            if tc is not None:
                services.compliance_refresh(tc)


__all__ = ["scoped"]
