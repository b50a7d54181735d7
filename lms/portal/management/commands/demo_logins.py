from django.core.management.base import BaseCommand

from lms.accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from lms.accounts.models import User


class Command(BaseCommand):
    help = "列出演示账号。"

    def handle(self, *args, **opts):
        existing = set(User.objects.filter(username__in=DEMO_ACCOUNTS).values_list("username", flat=True))
        self.stdout.write("演示账号（角色 / 用户名 / 密码）：")
        for username, label in DEMO_ACCOUNTS.items():
            if username in existing:
                self.stdout.write(f"  {label:<24} {username:<14} {DEMO_PASSWORD}")
