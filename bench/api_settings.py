"""The production settings with the API benchmark's URLs (bench/bench_api.py serves with them)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
