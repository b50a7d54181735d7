from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lms.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "从 backup_create 生成的目录恢复数据库和媒体文件，并核对每张表的行数。"

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path, help="备份目录（var/backups/<时间>）")
        parser.add_argument("--no-media", action="store_true", help="只恢复数据库")
        parser.add_argument("--yes", action="store_true", help="不再确认（会覆盖当前数据库）")

    def handle(self, *args, **opts):
        if not opts["yes"] and input("恢复会覆盖当前数据库和媒体文件，输入 yes 继续：").strip() != "yes":
            raise CommandError("已取消。")
        try:
            mismatches = backup_restore(source=opts["source"], include_media=not opts["no_media"])
        except BackupError as exc:
            raise CommandError(str(exc))
        if mismatches:
            lines = [f"  {t}: 备份 {a} 行，恢复后 {b} 行" for t, (a, b) in sorted(mismatches.items())]
            raise CommandError("恢复后行数不一致：\n" + "\n".join(lines))
        self.stdout.write(self.style.SUCCESS("恢复完成，各表行数与备份一致。"))
