"""Seconds to seed the district of seed 000 (101,599 members) with `seed_demo`'s foundation step
(schools, teaching points, ~3,400 branches, members, logins) on the database DATABASE_URL names.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/seed_scale.py
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import figures, fresh_database_url, manage, median  # noqa: E402

OTHER_STEPS = [
    "teachers.demo",
    "courses.demo",
    "lms.training.demo",
    "teachers.demo_evaluations",
    "lms.quotas.demo",
    "search.demo",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=101_599)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    timings = []
    for run in range(args.runs):
        url, drop = fresh_database_url("seed")
        try:
            manage(url, "migrate", "--noinput", "-v0")
            skip = [a for step in OTHER_STEPS for a in ("--skip", step)]
            t0 = time.perf_counter()
            manage(url, "seed_demo", "--members", str(args.members), *skip)
            timings.append(time.perf_counter() - t0)
            print(f"run {run + 1}: {timings[-1]:.1f}s", flush=True)
        finally:
            drop()
    print(figures(members=args.members, runs=args.runs, seed_median_s=median(timings), seed_max_s=max(timings)))


if __name__ == "__main__":
    main()
