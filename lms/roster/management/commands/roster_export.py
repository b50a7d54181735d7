"""Export members or organizations in the import layout, within the given user's jurisdiction."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lms.accounts import policy
from lms.accounts.models import User
from lms.roster.export import export_csv_chunks, export_xlsx


class Command(BaseCommand):
    help = "导出党员或党组织（与导入格式相同）"

    def add_arguments(self, parser):
        parser.add_argument("output", help="输出文件（.xlsx 或 .csv）")
        parser.add_argument("--user", required=True, help="以该工作人员身份导出（决定管辖范围）")
        parser.add_argument("--kind", choices=["members", "organizations"], default="members")

    def handle(self, *args, output, user, kind, **options):
        account = User.objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"找不到用户 {user}")
        if not policy.is_staff(account):
            raise CommandError("该用户不是工作人员，没有可导出的范围")
        path = Path(output)
        if path.suffix.lower() == ".csv":
            with path.open("w", encoding="utf-8", newline="") as fh:
                for chunk in export_csv_chunks(kind, account):
                    fh.write(chunk)
        elif path.suffix.lower() == ".xlsx":
            with path.open("wb") as fh:
                export_xlsx(kind, account, fh)
        else:
            raise CommandError("输出文件须为 .xlsx 或 .csv")
        self.stdout.write(self.style.SUCCESS(f"已导出到 {path}"))
