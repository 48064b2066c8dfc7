"""The token buckets of the rate limit, on a clock the test moves."""

from __future__ import annotations

import pytest

from ror.api.middleware.limits import RateLimiter, retry_after
from ror.config import Settings
from ror.errors import InvalidInput


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_steady_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=3, clock=clock)  # one per second
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.take("a")
    assert wait == pytest.approx(1.0)
    assert retry_after(wait) == "1"
    assert limiter.take("b") == 0.0  # its own bucket
    clock.now += 0.5
    assert limiter.take("a") == pytest.approx(0.5)  # refused calls do not drain the bucket
    clock.now += 0.5
    assert limiter.take("a") == 0.0
    assert limiter.take("a") > 0
    clock.now += 3600
    assert [limiter.take("a") for _ in range(4)][:3] == [0.0, 0.0, 0.0]  # never above the burst


def test_full_buckets_are_forgotten() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=600, burst=5, clock=clock)
    for i in range(1023):
        limiter.take(f"ip:{i}")
    assert len(limiter) == 1023
    clock.now += 10  # every bucket refills
    limiter.take("last")  # the 1024th take sweeps
    assert len(limiter) <= 1


def test_retry_after_is_whole_seconds() -> None:
    assert retry_after(0.01) == "1" and retry_after(2.2) == "3"


def test_settings_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "ROR_CORS_ORIGINS": " https://a.example.org, https://b.example.org ,",
            "ROR_RATE_LIMIT": "120",
            "ROR_RATE_BURST": "10",
            "ROR_MAX_BODY_BYTES": "1024",
            "ROR_AUDIT_LOG": "/var/log/ror/audit.jsonl",
        }
    )
    assert settings.cors_origins == ("https://a.example.org", "https://b.example.org")
    assert (settings.rate_per_minute, settings.rate_burst, settings.max_body_bytes) == (
        120,
        10,
        1024,
    )
    assert str(settings.audit_path) == "/var/log/ror/audit.jsonl"
    defaults = Settings.from_env({})
    assert defaults.cors_origins == () and defaults.rate_per_minute == 600
    with pytest.raises(InvalidInput) as bad:
        Settings.from_env({"ROR_RATE_LIMIT": "beaucoup"})
    assert bad.value.field == "ROR_RATE_LIMIT"
    with pytest.raises(ValueError):
        RateLimiter(per_minute=0, burst=1)
