"""seed_demo step: open each demo year's quota rules, build the yearly summaries the
dashboards read, and run the warnings computation once (as the periodic task would)."""

import time

from .services import quota_status_refresh, quota_year_open, warnings_compute


def seed(ctx) -> None:
    first = ctx.year - ctx.years + 1
    for year in range(first, ctx.year + 1):
        quota_year_open(year=year)
    for year in range(first, ctx.year + 1):
        t0 = time.monotonic()
        n = quota_status_refresh(year=year, today=ctx.today)
        ctx.log(f"    {year}年指标汇总：{n}名党员，{time.monotonic() - t0:.1f}s")
    counts = warnings_compute(year=ctx.year, today=ctx.today)
    ctx.log(f"    预警：{counts}")
