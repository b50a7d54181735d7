"""Write var/live/nginx.conf and run the project's nginx-rtmp in the foreground.

The process is replaced by nginx's master (``daemon off``), so a process supervisor (make
run) stops it with a signal like any other child. Where nginx or its RTMP module is missing,
live classes are disabled: the command says why in Chinese and exits 0 so the rest runs."""

import os
import subprocess

from django.core.management.base import BaseCommand, CommandError

from lms.live import conf, nginx


class Command(BaseCommand):
    help = "生成并启动本项目的 nginx-rtmp（直播推流、HLS 分发、录像）。"

    def add_arguments(self, parser):
        parser.add_argument("--rtmp-port", type=int, default=None, help="RTMP 端口（默认 LIVE_RTMP_PORT）")
        parser.add_argument("--http-port", type=int, default=None, help="HLS 端口（默认 LIVE_HTTP_PORT）")
        parser.add_argument(
            "--callback-url", default=None, help="平台地址，供 nginx 回调（默认 LIVE_CALLBACK_BASE_URL）"
        )
        parser.add_argument("--listen", default=None, help="监听地址（默认 LIVE_LISTEN_HOST）")
        parser.add_argument("--write-only", action="store_true", help="只生成配置并检查，不启动")

    def handle(self, *args, **opts):
        reason = conf.unavailable_reason()
        if reason:
            self.stdout.write(reason)
            return
        p = nginx.write(
            rtmp_port=opts["rtmp_port"],
            http_port=opts["http_port"],
            callback_base=opts["callback_url"],
            listen_host=opts["listen"],
        )
        argv = nginx.command(p)
        check = subprocess.run([*argv, "-t", "-q"], capture_output=True, text=True)
        if check.returncode != 0:
            raise CommandError(f"nginx 配置检查失败（{p.conf}）：{check.stderr.strip()[-500:]}")
        if opts["write_only"]:
            self.stdout.write(f"已生成 {p.conf}")
            return
        self.stdout.write(
            f"直播服务：RTMP 端口 {opts['rtmp_port'] or conf.rtmp_port()}，HLS 端口 {opts['http_port'] or conf.http_port()}"
        )
        self.stdout.flush()
        os.execvp(argv[0], argv)
