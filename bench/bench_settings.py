"""Settings for benchmark servers only: production settings plus ``bench.bench_urls`` (which adds an
empty view to compare against). Selected with DJANGO_SETTINGS_MODULE=bench.bench_settings in the bench
process; never used by the desk itself."""

from aftersales.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"
