"""Wagtail admin viewsets whose listings and object views go through the scope check.

Wagtail's edit/delete/inspect views load objects by primary key from the model's default
manager; these subclasses load them through `scoped()` instead, so another town's object
is a 404 even with a guessed id."""

from django.http import Http404
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from .scope import scoped


class _ScopedObjectMixin:
    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not scoped(self.model._default_manager.filter(pk=obj.pk), self.request.user).exists():
            raise Http404
        return obj


class ScopedEditView(_ScopedObjectMixin, snippet_views.EditView):
    pass


class ScopedDeleteView(_ScopedObjectMixin, snippet_views.DeleteView):
    pass


class ScopedInspectView(_ScopedObjectMixin, snippet_views.InspectView):
    pass


class ScopedHistoryView(_ScopedObjectMixin, snippet_views.HistoryView):
    pass


class ScopedUsageView(_ScopedObjectMixin, snippet_views.UsageView):
    pass


class ScopedSnippetViewSet(SnippetViewSet):
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    inspect_view_class = ScopedInspectView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView

    def get_queryset(self, request):
        return scoped(self.model._default_manager.all(), request.user)
