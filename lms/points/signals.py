"""Award points when a quiz is passed (lms.quizzes sends `quiz_passed`). Lesson completion and
credited class days reach points through lms.quotas.services.quota_members_touch (the writes
that change those facts already call it); approved reflections award in their own service."""
