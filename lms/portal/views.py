from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render

from lms.accounts.scope import scope_for
from lms.security.ratelimit import TOO_MANY_ATTEMPTS, login_blocked

from .panels import ROLES, panels_for

ROLE_LABELS = {
    "member": "我的学习",
    "teacher": "我的授课",
    "school_staff": "党校工作",
    "department_staff": "组织部 · 轮训覆盖",
}


@login_required
def home(request):
    scope = scope_for(request.user)
    roles = [r for r in ROLES if r in scope.roles]
    if request.user.is_superuser:
        roles = [r for r in ROLES if r in scope.roles] or ["department_staff", "school_staff"]
    sections = [{"role": r, "label": ROLE_LABELS[r], "panels": panels_for(request, r)} for r in roles]
    member = getattr(request.user, "member", None) if "member" in scope.roles else None
    return render(request, "portal/home.html", {"sections": sections, "member": member})


class RateLimitedAuthenticationForm(AuthenticationForm):
    """Checks the failure limit before the password, so a blocked caller learns nothing
    about whether the password was right (lms.security.ratelimit counts the failures)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "用户名或密码不正确，请重试。",
        "too_many_attempts": TOO_MANY_ATTEMPTS,
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and login_blocked(username, self.request):
            raise forms.ValidationError(self.error_messages["too_many_attempts"], code="too_many_attempts")
        return super().clean()


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True
    authentication_form = RateLimitedAuthenticationForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error("__all__", code="too_many_attempts"):
            response.status_code = 429
        return response
