"""Quiz API shapes. Nothing here says which option is correct, except `result`, which is null
until the attempt is submitted."""

from rest_framework import serializers

from lms import params

from ..models import Attempt, Question, Quiz


class QuizSerializer(serializers.ModelSerializer):
    course_title = serializers.CharField(source="course.title")
    lesson_title = serializers.CharField(source="lesson.title", allow_null=True, default=None)
    passed = serializers.SerializerMethodField(help_text="调用者是否已通过本测验（任一年度）")

    class Meta:
        model = Quiz
        fields = [
            "id",
            "title",
            "intro",
            "course",
            "course_title",
            "lesson",
            "lesson_title",
            "question_count",
            "pass_percent",
            "time_limit_minutes",
            "required_for_completion",
            "passed",
        ]

    def get_passed(self, obj) -> bool:
        return obj.pk in self.context.get("passed_ids", set())


class OptionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class QuestionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Question.Kind.choices)
    kind_label = serializers.CharField()
    text = serializers.CharField()
    options = OptionOutSerializer(many=True, help_text="本次答题的选项顺序（服务器随机生成）")


class ResultItemSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    chosen = serializers.ListField(child=serializers.IntegerField())
    correct = serializers.ListField(child=serializers.IntegerField())
    right = serializers.BooleanField()
    explanation = serializers.CharField()


class ResultSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    total = serializers.IntegerField()
    passed = serializers.BooleanField()
    items = ResultItemSerializer(many=True)


class AttemptSerializer(serializers.ModelSerializer):
    questions = serializers.SerializerMethodField()
    result = serializers.SerializerMethodField(help_text="交卷前为 null；交卷后为本次答题的判分与正确答案")

    class Meta:
        model = Attempt
        fields = ["id", "quiz", "started_at", "deadline_at", "submitted_at", "questions", "result"]

    def get_questions(self, obj) -> QuestionOutSerializer(many=True):
        return QuestionOutSerializer(self.context["questions"], many=True).data

    def get_result(self, obj) -> ResultSerializer(allow_null=True):
        if obj.submitted_at is None:
            return None
        explanations = self.context.get("explanations", {})
        items = [{**item, "explanation": explanations.get(item["question"], "")} for item in obj.result]
        return ResultSerializer({"score": obj.score, "total": obj.total, "passed": obj.passed, "items": items}).data


class SubmittedSerializer(AttemptSerializer):
    counted_now = serializers.SerializerMethodField(help_text="false：本次答题此前已交卷，重复提交不再计分")

    class Meta(AttemptSerializer.Meta):
        fields = [*AttemptSerializer.Meta.fields, "counted_now"]

    def get_counted_now(self, obj) -> bool:
        return bool(self.context.get("counted_now"))


class SubmitInputSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.ListField(child=params.id_field(), max_length=20),
        allow_empty=True,
        help_text='{"题目id": [选项id, …]}；只能回答本次抽到的题目',
    )
