from django import forms

from .services import BODY_MAX, COMMENT_MAX, TITLE_MAX, Decision


class ReflectionForm(forms.Form):
    title = forms.CharField(label="标题", max_length=TITLE_MAX * 2)
    body = forms.CharField(label="心得正文", widget=forms.Textarea(attrs={"rows": 12}), max_length=BODY_MAX * 2)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="审核结果", choices=[(Decision.APPROVE, "通过"), (Decision.RETURN, "退回")], widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="审核意见", required=False, max_length=COMMENT_MAX * 2, widget=forms.Textarea(attrs={"rows": 3})
    )
