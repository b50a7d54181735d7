from django.core.management.base import BaseCommand

from lms.ops.processes import Supervisor, collect_processes


class Command(BaseCommand):
    help = "启动平台的全部进程（网站、Celery 任务进程及定时任务，以及各应用登记的其他进程）；Ctrl-C 全部停止。"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="0.0.0.0", help="网站监听地址（默认 0.0.0.0）")
        parser.add_argument("--port", type=int, default=8000, help="网站端口（默认 8000）")

    def handle(self, *args, **opts):
        processes = collect_processes({"host": opts["host"], "port": opts["port"]})
        code = Supervisor(processes, log=lambda msg: self.stdout.write(msg)).run()
        self.stdout.write("平台已停止。")
        if code:
            raise SystemExit(code)
