import random
import time
from importlib import import_module

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from lms.demo import DemoContext
from lms.schools.models import PartySchool

# Each step is a module with `seed(ctx)`; later steps use what earlier ones made.
STEPS = [
    "lms.schools.demo_schools",  # the city and town party schools, teaching points
    "lms.organizations.demo",  # the organization tree
    "lms.members.demo",  # members
    "lms.accounts.demo",  # one login per role
    "teachers.demo",  # the teacher pool (263 teachers) and its rosters
    "lms.training.demo",  # plans, classes, sessions, enrolment, attendance, credited days
    "lms.training.demo_today",  # at 伦镇: a class two days ago to rate, one whose sign-in opens now
    "courses.demo",  # catalog, demo videos through the real pipeline, online study (tops up class 学时)
    "lms.quizzes.demo",  # the annual 党章党规 test and a lesson quiz (after the catalog)
    "lms.schools.demo",  # 网上展厅: photos, introductions and a video tour of the teaching points
    "lms.reflections.demo",  # 学习心得 after classes, reviewed by branch secretaries
    "lms.points.demo",  # this year's points rules and every member's points from the facts above
    "teachers.demo_evaluations",  # trainee evaluations of the sessions taught
    "lms.quotas.demo",  # quota rules and warnings
    "search.demo",  # search index
]


class Command(BaseCommand):
    help = "生成演示数据：一个县（市）的三级党校、党组织、党员、课程、班次、师资与学习记录。"

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=2000, help="党员人数（默认 2000）")
        parser.add_argument("--years", type=int, default=1, help="生成多少年的培训历史（默认 1）")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子，相同种子生成相同数据")
        parser.add_argument("--if-empty", action="store_true", help="数据库已有数据时什么也不做")
        parser.add_argument("--skip", action="append", default=[], help="跳过某一步（模块名）")

    def handle(self, *args, **opts):
        if PartySchool.objects.exists():
            if opts["if_empty"]:
                self.stdout.write("已有数据，跳过演示数据生成。")
                return
            raise CommandError("数据库中已有数据；演示数据只能在空数据库上生成（或使用 --if-empty）。")
        if opts["members"] < 50:
            raise CommandError("--members 至少为 50。")
        ctx = DemoContext(
            rng=random.Random(opts["seed"]),
            members=opts["members"],
            years=max(1, opts["years"]),
            today=timezone.localdate(),
            log=lambda msg: self.stdout.write(msg),
        )
        started = time.monotonic()
        for step in STEPS:
            if step in opts["skip"]:
                continue
            try:
                module = import_module(step)
            except ModuleNotFoundError as exc:
                if exc.name == step:
                    continue
                raise
            t0 = time.monotonic()
            module.seed(ctx)
            self.stdout.write(f"  {step}: {time.monotonic() - t0:.1f}s")
        self.stdout.write(self.style.SUCCESS(f"演示数据已生成，用时 {time.monotonic() - started:.1f} 秒。"))
        self.stdout.write("演示账号（角色 / 用户名 / 密码）：")
        for label, username, password in ctx.logins:
            self.stdout.write(f"  {label:<24} {username:<14} {password}")
