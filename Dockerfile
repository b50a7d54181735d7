# 党校在线 — one image for web, worker and beat (the command differs).
# Front-end assets are vendored; nothing is fetched from public CDNs at runtime.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LMS_VAR_DIR=/srv/lms/var \
    DJANGO_SETTINGS_MODULE=lms.settings.production

RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /srv/lms --shell /usr/sbin/nologin lms

WORKDIR /srv/lms
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs settings but no services: a throwaway key and host for the build only.
RUN mkdir -p var && SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput -v0 \
    && rm -f var/secret_key && chown -R lms:lms var

USER lms
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status in (200,) else 1)"
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", "0.0.0.0:8000", "lms.wsgi:application"]
