from django.db import models


class Module(models.TextChoices):
    """The three course modules (通识 + 专业 + 专题), shared by courses, classes, plans and teachers."""

    GENERAL = "general", "通识教育"
    PROFESSIONAL = "professional", "专业教育"
    THEMATIC = "thematic", "专题教育"
