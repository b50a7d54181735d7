from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from .models import PartyOrganization
from .services import organization_create


class PartyOrganizationForm(WagtailAdminModelForm):
    """Admin form: picks the parent organization and places the node in the tree."""

    parent = forms.ModelChoiceField(queryset=None, required=False, label="上级党组织")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["parent"].queryset = PartyOrganization.objects.exclude(kind=PartyOrganization.Kind.BRANCH)
        if self.instance.pk:
            self.fields["parent"].initial = self.instance.get_parent()
            self.fields["parent"].disabled = True

    def clean(self):
        data = super().clean()
        parent = data.get("parent")
        kind = data.get("kind")
        if not self.instance.pk and kind and kind != "committee" and parent is None:
            self.add_error("parent", "党总支和党支部必须选择上级党组织。")
        if kind == "branch" and not data.get("town"):
            self.add_error("town", "党支部必须选择所在镇街。")
        return data

    def save(self, commit=True):
        if self.instance.pk:
            return super().save(commit=commit)
        data = {f: self.cleaned_data.get(f) for f in ("name", "code", "kind", "sector", "town")}
        self.instance = organization_create(parent=self.cleaned_data.get("parent"), **data)
        return self.instance
