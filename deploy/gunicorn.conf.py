"""gunicorn settings for production (`gunicorn -c deploy/gunicorn.conf.py lms.wsgi:application`).

Sync workers: every request is short (pages, JSON, heartbeats); video bytes never pass
through Python (nginx or the CDN serves /files/ and HLS). Scale by adding machines behind the
proxy rather than threads inside one process."""

import multiprocessing
import os

wsgi_app = "lms.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak in any library cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = 500
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# nginx sets X-Forwarded-For/Proto; only trust them from the proxy on the same host.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190
