"""Admin: quizzes and question banks, edited by the editors of the course (Wagtail's page
permissions decide, as for the course pages themselves); members' attempts and passes,
read-only and scoped to the staff user's towns/subtree (only submissions write them)."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from lms.accounts.viewsets import ScopedSnippetViewSet

from .models import Attempt, Question, Quiz, QuizPass
from .selectors import editable_questions, editable_quizzes
from .services import question_save, quiz_save


class QuizViewSet(ScopedSnippetViewSet):
    model = Quiz
    door_scope = "custom"
    icon = "tasks"
    menu_label = "课程测验"
    list_display = ["title", "course", "lesson", "question_count", "pass_percent", "required_for_completion"]
    list_filter = ["is_active", "required_for_completion"]
    search_fields = ["title"]
    copy_view_enabled = False

    def visible_queryset(self, user):
        return editable_quizzes(user)

    def save_object(self, user, instance, *, form, creating: bool):
        return quiz_save(user=user, quiz=form.save(commit=False))


class QuestionViewSet(ScopedSnippetViewSet):
    model = Question
    door_scope = "custom"
    icon = "help"
    menu_label = "测验题库"
    list_display = ["__str__", "kind", "course", "lesson", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["text"]
    copy_view_enabled = False

    def visible_queryset(self, user):
        return editable_questions(user)

    def save_object(self, user, instance, *, form, creating: bool):
        return question_save(user=user, question=form.save(commit=False))


class AttemptViewSet(ScopedSnippetViewSet):
    model = Attempt
    door_scope = "scoped"
    read_only = True
    icon = "list-ul"
    menu_label = "答题记录"
    list_display = ["member", "quiz", "started_at", "submitted_at", "score", "total", "passed"]
    list_filter = ["passed"]
    inspect_view_enabled = True
    copy_view_enabled = False
    search_fields = ["member__name", "member__member_no"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member", "quiz")


class QuizPassViewSet(ScopedSnippetViewSet):
    model = QuizPass
    door_scope = "scoped"
    read_only = True
    icon = "success"
    menu_label = "测验通过记录"
    list_display = ["member", "quiz", "year", "passed_at"]
    list_filter = ["year"]
    inspect_view_enabled = True
    copy_view_enabled = False
    search_fields = ["member__name", "member__member_no"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member", "quiz")


class QuizGroup(SnippetViewSetGroup):
    menu_label = "课程测验"
    menu_icon = "tasks"
    menu_order = 325
    items = (QuizViewSet, QuestionViewSet, AttemptViewSet, QuizPassViewSet)


register_snippet(QuizGroup)
