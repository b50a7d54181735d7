from django import forms
from django.forms.models import construct_instance
from django.urls import reverse
from django.utils import timezone

from lms.accounts.scope import scope_for
from lms.members.models import MemberCategory
from lms.schools.models import PartySchool
from teachers.selectors import roster_teachers

from .models import AnnualPlan, ClassSession, PlannedClass, TrainingClass
from .rules import rooms_for_school, teaching_points_for_school
from .selectors import duplicate_teacher_names, teacher_label

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def manageable_schools(user):
    scope = scope_for(user)
    qs = PartySchool.objects.order_by("tier", "name")
    return qs if scope.is_all else qs.filter(pk__in=scope.school_ids if scope.can_manage_schools else [])


class AudienceField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=MemberCategory.choices, required=False, label="培训对象", **kwargs)


class ClassForm(forms.ModelForm):
    audiences = AudienceField()
    from_template = forms.BooleanField(label="按“5+1+N”模板预填五项必选内容", required=False, initial=True)

    class Meta:
        model = TrainingClass
        fields = [
            "title",
            "school",
            "module",
            "audiences",
            "start_date",
            "end_date",
            "capacity",
            "place",
            "is_rotation",
            "planned_class",
        ]
        widgets = {"start_date": DATE_WIDGET, "end_date": DATE_WIDGET}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        schools = manageable_schools(user)
        self.fields["school"].queryset = schools
        self.fields["planned_class"].queryset = PlannedClass.objects.filter(plan__school__in=schools).select_related(
            "plan", "plan__school"
        )
        self.fields["planned_class"].required = False
        if self.instance.pk:
            del self.fields["from_template"]
            del self.fields["school"]
            del self.fields["planned_class"]

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", "结束日期不能早于开始日期。")
        return data


class TeacherPickerWidget(forms.Select):
    """A plain <select> (works without JavaScript) that training/teacher_picker.js turns into
    a searchable list showing kind, unit, school, specialties and availability at the chosen
    time, from ``picker_url`` (served from our own static files: no CDN)."""

    template_name = "training/widgets/teacher_picker.html"

    def __init__(self, *args, picker_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.picker_url = picker_url

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["picker_url"] = self.picker_url
        return context


class TeacherChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        self.duplicates: set[str] = set()
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj) -> str:
        return teacher_label(obj, self.duplicates)


class SessionForm(forms.ModelForm):
    class Meta:
        model = ClassSession
        fields = ["kind", "title", "starts_at", "ends_at", "teaching_point", "venue", "room", "teacher"]
        widgets = {"starts_at": DATETIME_WIDGET, "ends_at": DATETIME_WIDGET}
        field_classes = {"teacher": TeacherChoiceField}

    def __init__(self, *args, training_class: TrainingClass, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.training_class = training_class
        self.fields["teaching_point"].queryset = teaching_points_for_school(training_class.school)
        self.fields["venue"].queryset = rooms_for_school(training_class.school)
        teachers = roster_teachers(training_class.start_date.year).select_related("school")
        field = self.fields["teacher"]
        field.queryset = teachers
        field.duplicates = duplicate_teacher_names(teachers)
        field.widget = TeacherPickerWidget(
            picker_url=reverse("training:teacher_picker", args=[training_class.pk])
            + (f"?session={self.instance.pk}" if self.instance.pk else "")
        )
        field.widget.choices = field.choices
        field.help_text = "可按姓名、类别、单位、所属党校或专长搜索；“领导讲课”只能选择领导干部类讲师。"
        self.fields["title"].help_text = "自选动作必填；其他项目可留空"
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]

    def _post_clean(self):
        # Model validation (and the rules) run in services.session_save, with Chinese messages.
        opts = self._meta
        try:
            self.instance = construct_instance(self, self.instance, opts.fields, opts.exclude)
        except forms.ValidationError as e:
            self._update_errors(e)


class PlanForm(forms.ModelForm):
    class Meta:
        model = AnnualPlan
        fields = ["school", "year", "title", "notes"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = manageable_schools(user)
        self.fields["year"].initial = timezone.localdate().year
        self.fields["title"].required = False

    def validate_unique(self):
        pass  # services.plan_create reports a duplicate plan in Chinese


class PlannedClassForm(forms.ModelForm):
    audiences = AudienceField()

    class Meta:
        model = PlannedClass
        fields = ["title", "module", "audiences", "quarter", "target_trainees", "is_rotation"]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "批准"), ("return", "退回")], label="审批结果")
    comment = forms.CharField(label="审批意见", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="签到码",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}),
    )
