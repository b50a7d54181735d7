from django.core.management.base import BaseCommand
from django.db import transaction

from media.recovery import videos_requeue_stale


class Command(BaseCommand):
    help = "把卡在“处理中”（处理进程已不在）或长时间未开始处理的视频重新放入处理队列。"

    def handle(self, *args, **opts):
        with transaction.atomic():
            ids = videos_requeue_stale()
        self.stdout.write(f"重新排队 {len(ids)} 个视频" + (f"：{ids}" if ids else ""))
