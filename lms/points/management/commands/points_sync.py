from django.core.management.base import BaseCommand
from django.utils import timezone

from lms.points.services import points_members_sync


class Command(BaseCommand):
    help = "补记某年度缺失的学习积分（幂等：已记录的事件不会重复计分）"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args, year=None, **options):
        year = year or timezone.localdate().year
        written = points_members_sync(year=year)
        self.stdout.write(f"year={year} written={written}")
