"""The production files agree with the code: gunicorn loads the app with the production
settings, docker-compose/Procfile/systemd start the processes the docs describe, and the proxy
sets the headers the settings trust."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
DEPLOY = BASE_DIR / "deploy"


def test_gunicorn_config_loads_the_app_with_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="lms.example.cn",
        LMS_VAR_DIR=str(tmp_path),
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run(
        [str(gunicorn), "--check-config", "-c", "deploy/gunicorn.conf.py", "lms.wsgi:application"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_runs_web_worker_beat_and_the_services():
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis", "search", "nginx", "migrate"} <= set(services)
    worker = " ".join(services["worker"]["command"])
    assert "celery -A lms worker" in worker and "media.recovery" in worker
    assert " ".join(services["beat"]["command"]).startswith("celery -A lms beat")
    assert "--appendonly" in services["redis"]["command"]
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (BASE_DIR / source).exists() or source == "./deploy/certs", f"{name}: {source} missing"
            else:
                assert source in compose["volumes"], f"{name}: volume {source} undefined"


def test_procfile_and_systemd_units_start_the_same_processes():
    procfile = dict(
        line.split(":", 1) for line in (DEPLOY / "Procfile").read_text().splitlines() if line and ":" in line
    )
    assert set(procfile) == {"web", "worker", "beat"}
    assert "deploy/gunicorn.conf.py" in procfile["web"]
    for unit in ("lms-web", "lms-worker", "lms-beat", "lms-backup"):
        text = (DEPLOY / "systemd" / f"{unit}.service").read_text()
        exec_start = re.search(r"^ExecStart=(.+)$", text, re.M).group(1)
        assert "/srv/lms/.venv/bin/" in exec_start
        for ref in re.findall(r"deploy/[\w./]+", exec_start):
            assert (BASE_DIR / ref).exists(), ref
    assert "backup_create" in (DEPLOY / "systemd" / "lms-backup.service").read_text()


def test_proxy_sets_the_headers_the_settings_trust():
    text = (DEPLOY / "nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in text  # SECURE_PROXY_SSL_HEADER
    assert "proxy_set_header X-Real-IP $remote_addr;" in text  # PROXY_IP_HEADER
    assert re.search(r"location \^~ /files/videos/originals/ \{ return 40[34]; \}", text)
    assert "m3u8" in text and "immutable" in text
    docker_text = (DEPLOY / "nginx.docker.conf").read_text()
    assert "server web:8000" in docker_text and "X-Forwarded-Proto $scheme" in docker_text


def test_collectstatic_works_with_production_storage(tmp_path):
    """Hashed static names (cached for a year by nginx) must build from a clean checkout."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="lms.example.cn",
        LMS_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert "vendor/hls.js/hls.min.js" in manifest and "vendor/echarts/echarts.min.js" in manifest
