from pathlib import Path

from django.core.management.base import BaseCommand

from lms.ops.backup import backup_create


class Command(BaseCommand):
    help = "备份数据库（PostgreSQL: pg_dump -Fc；SQLite: 在线备份）和上传的媒体文件到 var/backups/<时间>/。"

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", type=Path, help="备份根目录（默认 var/backups）")
        parser.add_argument("--no-media", action="store_true", help="只备份数据库")

    def handle(self, *args, **opts):
        path = backup_create(output_dir=opts["output_dir"], include_media=not opts["no_media"])
        self.stdout.write(str(path))
