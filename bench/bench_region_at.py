"""region_at: time per point through the selector vs. the raw SQL it runs.

    .venv/bin/python bench/bench_region_at.py [--points 5000]

Both run in the same process against the same database, on the same random
points inside Yunnan's extent (seeded), after a warm-up pass.
"""

import argparse
import random
import statistics
import time

from _django import setup

setup()

from django.contrib.gis.geos import Point  # noqa: E402
from django.db import connection  # noqa: E402

from regions.coords import YUNNAN_EXTENT  # noqa: E402
from regions.selectors import region_at  # noqa: E402

RAW_SQL = """
SELECT id, code, name, level FROM regions_region
WHERE level IN ('county', 'township') AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326))
ORDER BY level, code
"""


def timed(fn, points):
    samples = []
    for p in points:
        t0 = time.perf_counter()
        fn(p)
        samples.append(time.perf_counter() - t0)
    return samples


def report(name, samples):
    us = sorted(s * 1e6 for s in samples)
    p50 = statistics.median(us)
    p95 = us[int(len(us) * 0.95)]
    print(f"{name:<28}{p50:>10.0f}{p95:>10.0f}{1e6 / statistics.mean(us):>12.0f}")
    return statistics.mean(us)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=5000)
    args = parser.parse_args()
    rng = random.Random(42)
    xmin, ymin, xmax, ymax = YUNNAN_EXTENT
    points = [
        Point(rng.uniform(xmin, xmax), rng.uniform(ymin, ymax), srid=4326)
        for _ in range(args.points)
    ]
    cur = connection.cursor()

    def raw(p):
        cur.execute(RAW_SQL, [p.x, p.y])
        return cur.fetchall()

    def orm(p):
        return region_at(point=p)

    for fn in (raw, orm):  # warm caches and connections
        timed(fn, points[:500])
    print(f"region_at over {args.points} random points in Yunnan's extent")
    print(f"{'':<28}{'p50 µs':>10}{'p95 µs':>10}{'points/s':>12}")
    raw_mean = report("raw SQL (cursor)", timed(raw, points))
    orm_mean = report("region_at() selector", timed(orm, points))
    print(f"selector / raw SQL time: {orm_mean / raw_mean:.2f}x")


if __name__ == "__main__":
    main()
