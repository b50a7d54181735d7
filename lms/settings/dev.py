from .base import *  # noqa: F403

# `make run` serves with DEBUG off (Chinese error pages, static files through WhiteNoise);
# developers opt in to Django's debug pages with DJANGO_DEBUG=1.
DEBUG = env_bool("DJANGO_DEBUG", False)  # noqa: F405
ALLOWED_HOSTS = ["*"]
