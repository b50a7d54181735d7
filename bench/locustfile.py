"""The mixed load as people produce it (Locust), for `bench/load.py --people 500,1000,2000`.

Think times come from real behaviour rather than a closed loop:
- a member watching a micro-lesson (≈ 90 %): opens the lesson page, the player opens the clock
  with an empty heartbeat, then one heartbeat every 15 s with the 15 s just played; about
  every 30 s on average one other page (home, catalog, a course, my progress — page or API);
- a member signing in to a class (≈ 7 %): arrives at a random moment within the first minute,
  scans the QR code (POST /api/v1/training/signin/ with the session's current token), then
  browses a page every ~30 s;
- staff (≈ 3 %): a dashboard or list every ~30 s.
Everyone carries a session cookie made by the bench (as after a login) and the CSRF token.
Data comes from the JSON file LOCUST_DATA names (written by bench/load.py).
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

from locust import FastHttpUser, between, task

DATA = json.loads(Path(os.environ["LOCUST_DATA"]).read_text())
CSRF = DATA["csrf"]
_cookies = iter(DATA["member_cookies"])
_staff = iter(DATA["staff_cookies"] * 1000)


def _signin_token() -> str:
    """The session's current rotating QR token, as the sign-in screen shows it."""
    import django

    if not getattr(_signin_token, "ready", False):
        django.setup()
        _signin_token.ready = True
    from lms.training import signin

    return signin.token_for(DATA["session"])


class _Member(FastHttpUser):
    abstract = True

    def on_start(self):
        self.cookie = next(_cookies)
        self.headers = {
            "Cookie": f"{self.cookie}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
            "X-Forwarded-Proto": "https",
            # Behind the TLS proxy the page's origin is https:// (X-Forwarded-Proto), and Django's
            # CSRF check compares Origin/Referer with it.
            "Referer": self.origin + "/",
            "Origin": self.origin,
        }

    @property
    def origin(self) -> str:
        return "https://" + self.host.split("://", 1)[1]

    def get(self, path: str, name: str | None = None):
        self.client.get(path, headers=self.headers, name=name or path)

    def browse(self):
        choice = random.random()
        if choice < 0.3:
            self.get("/", "home")
        elif choice < 0.5:
            self.get(DATA["catalog_url"], "catalog")
        elif choice < 0.7:
            self.get(random.choice(DATA["course_urls"]), "course page")
        elif choice < 0.85:
            self.get("/progress/me/", "my progress page")
        else:
            self.get("/api/v1/me/progress/", "my progress API")


class Watcher(_Member):
    """Watches lessons: a heartbeat every 15 s, one other page every ~30 s."""

    weight = 90

    def wait_time(self):
        """The player's 15 s, less the time spent on another page since the last heartbeat."""
        return max(0.0, 15 - self.browsed_for)

    def on_start(self):
        super().on_start()
        self.open_lesson()

    def open_lesson(self):
        self.lesson_id, self.duration, url = random.choice(DATA["lessons"])
        self.position = 0.0
        self.browsed_for = 0.0
        self.get(url, "lesson page")
        self.beat([])

    def beat(self, intervals):
        body = json.dumps({"intervals": intervals, "position": self.position})
        self.client.post(
            f"/api/v1/lessons/{self.lesson_id}/heartbeat/",
            data=body,
            headers={**self.headers, "Content-Type": "application/json"},
            name="heartbeat",
        )

    @task
    def watch(self):
        if self.position + 15 > self.duration:
            self.open_lesson()
            return
        start, self.position = self.position, self.position + 15
        self.beat([[start, self.position]])
        self.browsed_for = 0.0
        if random.random() < 0.5:  # one other page every ~30 s, somewhere between two heartbeats
            self.browsed_for = random.uniform(0, 14)
            time.sleep(self.browsed_for)
            self.browse()


class ClassSignIn(_Member):
    """Arrives within the first minute, signs in once, then browses."""

    weight = 7
    wait_time = between(20, 40)

    def on_start(self):
        super().on_start()
        time.sleep(random.uniform(0, 60))
        if DATA.get("session"):
            self.client.post(
                "/api/v1/training/signin/",
                data=json.dumps({"token": _signin_token()}),
                headers={**self.headers, "Content-Type": "application/json"},
                name="class sign-in",
            )

    @task
    def browse_task(self):
        self.browse()


class Staff(_Member):
    weight = 3
    wait_time = between(20, 40)

    def on_start(self):
        self.cookie = next(_staff)
        super_headers = {
            "Cookie": f"{self.cookie}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
            "X-Forwarded-Proto": "https",
        }
        self.headers = super_headers

    @task
    def dashboards(self):
        path = random.choice(["/", "/progress/coverage/", "/training/", "/api/v1/training/classes/"])
        self.get(path, "staff " + path)
