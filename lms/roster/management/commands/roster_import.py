"""Import a roster file from the command line, as the given staff user (their jurisdiction
applies), recorded as an ImportJob like an upload in the workspace."""

import datetime as dt
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from lms.accounts.models import User
from lms.roster.models import ImportJob
from lms.roster.services import (
    ImportNotAllowed,
    import_job_apply,
    import_job_confirm,
    import_job_create,
    import_job_set_mapping,
    import_job_validate,
)


class Command(BaseCommand):
    help = "导入党员或党组织花名册（.xlsx / .csv）：先校验，无错误时在一个事务中写入"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="以该工作人员身份导入（决定管辖范围）")
        parser.add_argument("--kind", choices=["members", "organizations"], default="members")
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告，不写入")
        parser.add_argument(
            "--map", action="append", default=[], metavar="表头=字段", help="未识别表头的对应字段，可重复"
        )
        parser.add_argument(
            "--effective-date", type=dt.date.fromisoformat, default=None, help="类别、支部变动的生效日期（YYYY-MM-DD）"
        )
        parser.add_argument("--valid-only", action="store_true", help="只导入无误的行，有错误的行跳过并写入错误报告")

    def handle(self, *args, file, user, kind, dry_run, map, effective_date, valid_only, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件 {path}")
        account = User.objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"找不到用户 {user}")
        with path.open("rb") as fh:
            try:
                job = import_job_create(
                    user=account,
                    upload=File(fh, name=path.name),
                    kind=kind,
                    effective_date=effective_date,
                    run_async=False,
                )
            except ImportNotAllowed as exc:
                raise CommandError(str(exc)) from exc
        if map:
            pairs = dict(item.split("=", 1) for item in map if "=" in item)
            try:
                import_job_set_mapping(job=job, user=account, mapping=pairs, run_async=False)
            except ImportNotAllowed as exc:
                raise CommandError(str(exc)) from exc
        job = import_job_validate(job=job)
        self._report(job)
        if not (job.can_confirm or (valid_only and job.can_confirm_valid)):
            raise CommandError(f"校验未通过，没有写入任何数据（导入记录 #{job.pk}）")
        if dry_run:
            self.stdout.write(f"试运行：校验通过，未写入（导入记录 #{job.pk}）")
            return
        import_job_confirm(job=job, user=account, valid_only=valid_only, run_async=False)
        job = import_job_apply(job=job)
        if job.status != ImportJob.Status.DONE:
            raise CommandError(job.message)
        self.stdout.write(
            self.style.SUCCESS(
                f"导入完成 #{job.pk}：新增 {job.created_count}，更新 {job.updated_count}，"
                f"未变化 {job.unchanged_count}，新建账号 {job.users_created}，文件中缺少的在册党员 {job.missing_count}"
            )
        )

    def _report(self, job: ImportJob) -> None:
        self.stdout.write(
            f"数据行 {job.total_rows}，将新增 {job.created_count}，将更新 {job.updated_count}，"
            f"未变化 {job.unchanged_count}，有错误的行 {job.error_rows}"
        )
        for header in job.unknown_headers:
            self.stdout.write(f"未识别的表头：{header}（可用 --map '{header}=字段' 指定）")
        for message in job.file_errors:
            self.stderr.write(message)
        for e in job.errors[:50]:
            self.stderr.write(f"第 {e['row']} 行 {e['column']}：{e['message']}")
        if job.error_count > 50:
            self.stderr.write(f"……共 {job.error_count} 处错误")
        if job.error_report:
            self.stderr.write(f"错误报告：{job.error_report.path}")
