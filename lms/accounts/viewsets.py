"""Wagtail admin viewsets that keep every view inside the user's scope.

Wagtail builds a dozen views per registered model (index and results, inspect, edit, delete,
copy, usage, history, revisions, choosers, bulk actions, list exports), and each loads objects
from the model's default manager. `ScopedSnippetViewSet` routes all of them through one
queryset, `visible_queryset(user)` (by default `lms.accounts.scope.scoped`):

- every view class the viewset constructs gets `_ScopedViewMixin` (objects outside the scope
  are a 404; form choices of scoped models are narrowed to the scope);
- the chooser (only registered when the viewset says ``chooser = True``) lists, returns and
  accepts only scoped objects;
- the bulk actions of snippets are replaced by scoped ones (`ScopedDeleteBulkAction`,
  registered in lms/accounts/wagtail_hooks.py);
- a `DoorPermissionPolicy` is registered for the model: ``read_only`` viewsets offer no add,
  change or delete to anybody, superusers included (their writes belong to the site's pages
  and services), and ``writers`` narrows who may write at all.

Writes that the admin does offer go through services: a viewset may define
`save_object(user, instance, form, creating)` and `delete_object(user, instance)`; a
`ValidationError` they raise is shown on the form (or as a message) in the service's words.

Every viewset must say how it is scoped (``door_scope``): tests/ops/test_doors.py fails for a
registered viewset that does not.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet

from .scope import scoped

WRITE_ACTIONS = frozenset({"add", "change", "delete", "publish", "lock", "unlock"})
# How a viewset declares its scope (checked by tests/ops/test_doors.py):
#   "scoped"  — the model's scope_paths (lms.accounts.scope.scoped)
#   "custom"  — visible_queryset() is overridden (a selector that applies the scope)
#   "shared"  — county-wide shared records every staff user reads (scope_paths all_staff)
DOOR_SCOPES = ("scoped", "custom", "shared")


def _error_messages(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def form_add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the admin form, field by field where it can."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                for message in error.messages:
                    form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class DoorPermissionPolicy(ModelPermissionPolicy):
    """Model permissions as Django grants them, then: read-only viewsets refuse writes to
    everybody; ``writers(user)`` must agree to any write; per-instance checks require the
    object to be inside the viewset's queryset for the user."""

    def __init__(self, model, viewset):
        super().__init__(model)
        self.viewset = viewset

    def _write_refused(self, user, action) -> bool:
        if action not in WRITE_ACTIONS:
            return False
        if self.viewset.read_only or (action == "delete" and not self.viewset.deletable):
            return True
        writers = self.viewset.writers
        return writers is not None and not writers(user)

    def user_has_permission(self, user, action):
        if self._write_refused(user, action):
            return False
        return super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        actions = [a for a in actions if not (a in WRITE_ACTIONS and self.viewset.read_only)]
        if not actions:
            return self.user_model._default_manager.none()
        return super().users_with_any_permission(actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and self.viewset.object_visible(user, instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(self.user_has_permission_for_instance(user, a, instance) for a in actions)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model._default_manager.none()
        return self.viewset.visible_queryset(user)


class _ScopedViewMixin:
    """Mixed into every view a scoped viewset constructs."""

    door_viewset = None

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if obj is not None and not self.door_viewset.object_visible(self.request.user, obj):
            raise Http404
        return obj

    def get_form(self, *args, **kwargs):
        form = super().get_form(*args, **kwargs)
        narrow_form_choices(form, self.request.user)
        return form

    def save_instance(self):
        viewset = self.door_viewset
        if type(viewset).save_object is _DoorViewSetMixin.save_object:
            return super().save_instance()
        creating = getattr(self, "view_name", "") in ("create", "copy") or self.form.instance.pk is None
        return viewset.save_object(self.request.user, self.form.instance, form=self.form, creating=creating)

    def form_valid(self, form):
        if hasattr(self, "delete_action"):
            return self._delete_form_valid(form)
        try:
            return super().form_valid(form)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)

    def _delete_form_valid(self, form):
        viewset = self.door_viewset
        if type(viewset).delete_object is _DoorViewSetMixin.delete_object:
            return super().form_valid(form)
        success_url = self.get_success_url()
        try:
            with transaction.atomic():
                viewset.delete_object(self.request.user, self.object)
        except ValidationError as exc:
            messages.error(self.request, " ".join(_error_messages(exc)))
            return redirect(self.request.path)
        messages.success(self.request, self.get_success_message())
        hook_response = self.run_after_hook()
        if hook_response is not None:
            return hook_response
        return redirect(success_url)


def narrow_form_choices(form, user) -> None:
    """A form field choosing rows of a scoped model offers (and accepts) only the user's rows."""
    fields = getattr(form, "fields", None) or {}
    for field in fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is not None and hasattr(queryset.model, "scope_paths"):
            field.queryset = scoped(queryset, user)


def _scoped_view_class(view_class):
    if issubclass(view_class, _ScopedViewMixin):
        return view_class
    return type(view_class.__name__, (_ScopedViewMixin, view_class), {})


class _ScopedChooserMixin:
    door_viewset = None

    def get_object_list(self):
        viewset = self.door_viewset
        return viewset.chooser_queryset(viewset.visible_queryset(self.request.user))

    def get_object(self, pk):
        return self.door_viewset.visible_queryset(self.request.user).get(pk=pk)

    def get_objects(self, pks):
        return self.door_viewset.visible_queryset(self.request.user).filter(pk__in=pks)

    def dispatch(self, request, *args, **kwargs):
        if not self.door_viewset.chooser_allowed(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ScopedChooserViewSet(SnippetChooserViewSet):
    door_viewset = None

    def construct_view(self, view_class, **kwargs):
        if not issubclass(view_class, _ScopedChooserMixin):
            view_class = type(view_class.__name__, (_ScopedChooserMixin, view_class), {})
        return super().construct_view(view_class, door_viewset=self.door_viewset, **kwargs)


class _DoorViewSetMixin:
    #: how the viewset is scoped; one of DOOR_SCOPES (required)
    door_scope: str | None = None
    #: no add/change/delete in the admin for anybody (the site's pages and services write)
    read_only = False
    #: False: nobody deletes here (no service deletes these records; the site retires them)
    deletable = True
    #: who may write at all (None: Django model permissions alone decide)
    writers = None
    #: register a chooser for the model (only where an admin form picks these rows)
    chooser = False
    #: the site page that manages these records (shown to staff on the listing)
    site_url: str | None = None

    def visible_queryset(self, user):
        return scoped(self.model._default_manager.all(), user)

    def object_visible(self, user, obj) -> bool:
        return obj.pk is not None and self.visible_queryset(user).filter(pk=obj.pk).exists()

    def chooser_queryset(self, queryset):
        """What the chooser offers out of the visible rows (e.g. leave out failed videos)."""
        return queryset

    def chooser_allowed(self, user) -> bool:
        return self.permission_policy.user_has_any_permission(user, ["add", "change", "delete", "view"])

    def get_queryset(self, request):
        return self.visible_queryset(request.user)

    def save_object(self, user, instance, *, form, creating: bool):
        """Override to write through a service (see the module docstring)."""
        raise NotImplementedError

    def delete_object(self, user, instance) -> None:
        """Override to delete through a service (see the module docstring)."""
        raise NotImplementedError

    def construct_view(self, view_class, **kwargs):
        return super().construct_view(_scoped_view_class(view_class), door_viewset=self, **kwargs)

    def on_register(self):
        register_permission_policy(self.model, DoorPermissionPolicy(self.model, self))
        super().on_register()


class ScopedSnippetViewSet(_DoorViewSetMixin, SnippetViewSet):
    chooser_viewset_class = ScopedChooserViewSet

    @property
    def chooser_viewset(self):
        viewset = super().chooser_viewset
        viewset.door_viewset = self
        return viewset

    def register_chooser_viewset(self):
        if self.chooser:
            super().register_chooser_viewset()


class ScopedModelViewSet(_DoorViewSetMixin, ModelViewSet):
    pass
