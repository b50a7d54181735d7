"""`quiz_passed`: sent once per member, quiz and year — on the first passing attempt of the
year, after the grading transaction commits (never for a rolled-back or repeated submission).

Receivers get ``member`` (members.Member), ``quiz`` (Quiz), ``attempt`` (Attempt) and
``quiz_pass`` (QuizPass, whose pk is a stable key for "this event")."""

from django.dispatch import Signal

quiz_passed = Signal()
