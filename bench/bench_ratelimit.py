"""What a rate-limit check and a webhook replay check cost per request: ``ratelimit.hit`` and
``receiving.first_use`` against the default per-process memory cache and against Redis.

    .venv/bin/python -m bench.bench_ratelimit [--calls 20000] [--redis redis://127.0.0.1:6379/15]

Prints calls/s and the per-call mean and p99 in microseconds for each (cache, check). No database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid


def _measure(fn, calls: int) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    samples = []
    started = time.perf_counter()
    for n in range(calls):
        t0 = time.perf_counter()
        fn(n)
        samples.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    samples.sort()
    return calls / total, statistics.fmean(samples) * 1e6, samples[int(len(samples) * 0.99)] * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    import django
    from django.conf import settings

    django.setup()
    from django.core.cache import caches
    from django.test.signals import setting_changed

    from aftersales.core import ratelimit
    from aftersales.monitoring import receiving

    configs = {
        "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "bench"},
        "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": args.redis,
                  "KEY_PREFIX": uuid.uuid4().hex},
    }
    limit = ratelimit.Limit(10**9, 60)
    print(f"{'cache':<8} {'check':<22} {'calls/s':>10} {'mean µs':>9} {'p99 µs':>9}")
    for name, config in configs.items():
        settings.CACHES = {"default": config}
        setting_changed.send(sender=None, setting="CACHES", value=settings.CACHES, enter=True)
        caches["default"].clear()
        for label, fn in (
            ("rate limit (one key)", lambda n: ratelimit.hit("WEBHOOK", "/hooks/vonage/dlr|127.0.0.1", limit)),
            ("replay (new sig each)", lambda n: receiving.first_use("vonage_sms", f"key:{n:012d}")),
        ):
            rate, mean, p99 = _measure(fn, args.calls)
            print(f"{name:<8} {label:<22} {rate:>10,.0f} {mean:>9.1f} {p99:>9.1f}")
        caches["default"].clear()


if __name__ == "__main__":
    main()
