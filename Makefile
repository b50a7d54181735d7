# Party School Online — two commands do all the set-up: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Test processes (pytest-xdist): one per CPU; TEST_WORKERS=0 runs in this process.
TEST_WORKERS ?= auto
export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: run test setup venv system-deps migrate seed lint bench bench-load faults clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

venv: $(VENV)/.installed

# System tools: ffmpeg/ffprobe for the video pipeline, Pango and the Noto CJK fonts for the
# PDFs (学习档案, 结业证书: WeasyPrint), Debian's Chromium and pdftotext for the tests,
# nginx + its RTMP module for live classes (optional).
# Installed with apt-get when missing and we are root (or have passwordless sudo).
system-deps:
	@missing=""; \
	command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || missing="$$missing ffmpeg"; \
	[ -n "$(NEED_BROWSER)" ] && ! [ -x /usr/bin/chromium ] && missing="$$missing chromium"; \
	[ -n "$(NEED_BROWSER)" ] && ! command -v pdftotext >/dev/null && missing="$$missing poppler-utils"; \
	ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1 || missing="$$missing fonts-noto-cjk"; \
	/sbin/ldconfig -p | grep -q libpangoft2-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else \
	    echo "缺少系统软件:$$missing — 请先执行: sudo apt-get install -y$$missing"; exit 1; fi; \
	  echo "安装系统软件:$$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@# Live classes (lms/live): nginx with the RTMP module; optional — without it live is disabled.
	@if ! command -v nginx >/dev/null || ! [ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="-"; fi; \
	  if [ "$$SUDO" != "-" ] && echo "安装直播组件: nginx libnginx-mod-rtmp" && $$SUDO apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx libnginx-mod-rtmp >/dev/null; then :; \
	  else echo "未能安装 nginx 与 RTMP 模块（sudo apt-get install -y nginx libnginx-mod-rtmp）：直播功能不可用，其余功能照常运行。"; fi; \
	fi

setup: venv system-deps
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0

seed: setup
	$(BIN)/python manage.py seed_demo --if-empty $(SEED_ARGS)

# Every platform process (web server, Celery worker with beat, and what apps register in
# <app>/processes.py) under one supervisor (lms/ops/processes.py); Ctrl-C stops them all.
# DEBUG is off (Chinese error pages); developers opt in with DJANGO_DEBUG=1.
run: seed
	@echo "党校在线: http://127.0.0.1:$(PORT)/  (管理后台 /admin/，接口文档 /api/docs/)"
	@$(BIN)/python manage.py demo_logins
	@exec $(BIN)/python manage.py platform_run --port $(PORT)

test: venv
	@$(MAKE) --no-print-directory system-deps NEED_BROWSER=1
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run -v0
	$(BIN)/python manage.py check
	$(BIN)/pytest -q --durations=15 -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# Fault injection and backup/restore only (they also run inside `make test`).
faults: venv
	$(BIN)/pytest -q tests/ops/test_faults.py tests/ops/test_backup.py

bench-load: venv
	$(BIN)/python bench/load.py

lint: venv
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: venv
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf var/ .pytest_cache
