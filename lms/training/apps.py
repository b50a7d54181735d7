from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "lms.training"
    label = "training"
