"""Admin-wide doors: scoped bulk actions for every snippet, and what staff see first.

Wagtail's snippet bulk delete loads the ids in the URL from the model's default manager and
shows a confirm page for any of them. `ScopedDeleteBulkAction` replaces it for every snippet
model: the ids must all lie in the viewset's scoped queryset (otherwise 404, nothing shown,
nothing deleted), each object must pass the viewset's permission policy, and a viewset that
deletes through a service (`delete_object`) is asked for each object in one transaction."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.views.snippets import ModelIndexView

from . import policy
from .viewsets import _DoorViewSetMixin


def _door_viewset(model):
    viewset = getattr(model, "snippet_viewset", None)
    return viewset if isinstance(viewset, _DoorViewSetMixin) else None


def _requested_ids(request) -> list[str]:
    return [i for i in request.GET.getlist("id") if i]


class ScopedDeleteBulkAction(DeleteBulkAction):
    def get_actionable_objects(self):
        viewset = _door_viewset(self.model)
        if viewset is None:
            return super().get_actionable_objects()
        user = self.request.user
        visible = viewset.visible_queryset(user)
        ids = _requested_ids(self.request)
        if "all" in ids:
            found = list(visible)
        else:
            wanted = set()
            for raw in ids:
                try:
                    wanted.add(self.model._meta.pk.to_python(raw))
                except ValidationError:
                    raise Http404 from None
            found = list(visible.filter(pk__in=wanted))
            if not wanted or len(found) != len(wanted):
                raise Http404
        objects, refused = [], []
        for obj in found:
            (objects if self.check_perm(obj) else refused).append(obj)
        return objects, {"items_with_no_access": refused}

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        action = kwargs["self"]
        viewset = _door_viewset(action.model)
        if viewset is None or type(viewset).delete_object is _DoorViewSetMixin.delete_object:
            return super().execute_action(objects, user=user, **kwargs)
        for obj in objects:
            viewset.delete_object(action.request.user, obj)
        return len(objects), 0

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
            return redirect(self.next_url)


hooks.register("register_bulk_action", ScopedDeleteBulkAction, order=100)


class _SchoolWorkspaceMenuItem(MenuItem):
    """School staff run classes, sessions, enrolment and attendance on the site's workspace
    (services, 5+1+N checks, audit), not in a second raw admin UI."""

    def is_shown(self, request):
        return policy.may_manage_schools(request.user)


@hooks.register("register_admin_menu_item")
def training_workspace_menu_item():
    return _SchoolWorkspaceMenuItem(
        "培训工作台（班次·签到·考勤）",
        reverse("training:index"),
        name="training-workspace",
        icon_name="group",
        order=205,
    )


class ScopedModelIndexView(ModelIndexView):
    """The snippets overview (/admin/snippets/) counts only the rows the user may see, not the
    county's (Wagtail counts the default manager)."""

    def _get_snippet_types(self):
        types = super()._get_snippet_types()
        for entry in types:
            viewset = _door_viewset(entry["model"])
            if viewset is not None:
                entry["count"] = viewset.visible_queryset(self.request.user).count()
        return types


@hooks.register("register_admin_urls")
def scoped_snippet_index_url():
    # Registered before wagtail.snippets' own URLs (lms.accounts comes first in INSTALLED_APPS).
    return [path("snippets/", ScopedModelIndexView.as_view(), name="lms_snippets_index")]
