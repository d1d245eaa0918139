"""The sampler: every response until trusted, then one in N; a mismatch resets trust."""

from __future__ import annotations

import random
import threading

import pytest

from gate.inspect import Sampler, SamplingPolicy


def _run(sampler: Sampler, n: int, job: str = "job", site: str = "shop.example", outcome: str = "clean") -> list[bool]:
    chosen = []
    for _ in range(n):
        inspect = sampler.should_inspect(job, site)
        chosen.append(inspect)
        if inspect:
            sampler.record(job, site, outcome)  # type: ignore[arg-type]
    return chosen


def test_every_response_until_trusted_then_one_in_n() -> None:
    sampler = Sampler(SamplingPolicy(trust_after=5, one_in=4, draw="every_nth"))
    assert _run(sampler, 5) == [True] * 5
    assert sampler.state("job", "shop.example").trusted
    assert _run(sampler, 12) == [False, False, False, True] * 3
    state = sampler.state("job", "shop.example")
    assert (state.responses, state.inspected, state.mismatches) == (17, 8, 0)


def test_a_mismatch_switches_back_to_every_response() -> None:
    sampler = Sampler(SamplingPolicy(trust_after=3, one_in=10, draw="every_nth"))
    _run(sampler, 3)
    assert _run(sampler, 10)[-1] is True
    sampler.record("job", "shop.example", "mismatch")
    state = sampler.state("job", "shop.example")
    assert not state.trusted and state.clean_streak == 0 and state.mismatches == 1
    assert _run(sampler, 3) == [True, True, True]  # trust is earned again from zero
    assert sampler.state("job", "shop.example").trusted


def test_a_mismatch_before_trust_restarts_the_streak() -> None:
    sampler = Sampler(SamplingPolicy(trust_after=3, one_in=2, draw="every_nth"))
    _run(sampler, 2)
    sampler.should_inspect("job", "shop.example")
    sampler.record("job", "shop.example", "mismatch")
    assert _run(sampler, 2) == [True, True] and not sampler.state("job", "shop.example").trusted


def test_inconclusive_neither_builds_nor_breaks_trust() -> None:
    sampler = Sampler(SamplingPolicy(trust_after=2, one_in=3, draw="every_nth"))
    assert _run(sampler, 5, outcome="inconclusive") == [True] * 5
    assert sampler.state("job", "shop.example").clean_streak == 0
    _run(sampler, 2)
    sampler.record("job", "shop.example", "inconclusive")
    assert sampler.state("job", "shop.example").trusted


def test_pairs_are_independent() -> None:
    sampler = Sampler(SamplingPolicy(trust_after=1, one_in=100, draw="every_nth"))
    _run(sampler, 1, job="a", site="x.example")
    assert sampler.state("a", "x.example").trusted
    assert not sampler.state("a", "y.example").trusted and not sampler.state("b", "x.example").trusted
    assert sampler.should_inspect("b", "x.example")


def test_random_sampling_rate() -> None:
    sampler = Sampler(SamplingPolicy(trust_after=1, one_in=10), rng=random.Random(7))
    _run(sampler, 1)
    chosen = _run(sampler, 10_000)
    assert 850 <= sum(chosen) <= 1150


def test_state_is_bounded_and_evicted_pairs_start_untrusted() -> None:
    sampler = Sampler(SamplingPolicy(trust_after=1, one_in=50, max_keys=3, draw="every_nth"))
    for site in ("a", "b", "c"):
        _run(sampler, 1, site=site)
    sampler.should_inspect("job", "a")  # touch a: b is now the oldest
    _run(sampler, 1, site="d")
    assert not sampler.state("job", "b").trusted and sampler.state("job", "a").trusted
    sampler.reset("job", "a")
    assert not sampler.state("job", "a").trusted


def test_thread_safety() -> None:
    sampler = Sampler(SamplingPolicy(trust_after=10, one_in=5, draw="every_nth"))
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        for _ in range(2000):
            if sampler.should_inspect("job", "shop.example"):
                sampler.record("job", "shop.example", "clean")

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    state = sampler.state("job", "shop.example")
    assert state.responses == 16_000
    assert state.clean_streak == state.inspected  # no update lost
    assert 10 + (16_000 - 10) // 5 - 8 <= state.inspected <= 10 + (16_000 - 10) // 5 + 8


def test_invalid_policy_and_outcome() -> None:
    with pytest.raises(ValueError, match="trust_after"):
        SamplingPolicy(trust_after=0)
    with pytest.raises(ValueError, match="outcome"):
        Sampler().record("job", "site", "fine")  # type: ignore[arg-type]


def test_by_default_the_trusted_sample_is_drawn_so_a_site_cannot_predict_it() -> None:
    """Every N-th let a site serve faces on all the others: 180 of 250 fetched unseen (found
    from outside). Drawn with probability 1/N, the inspected responses follow no schedule."""
    sampler = Sampler(SamplingPolicy(trust_after=1, one_in=10))
    assert sampler.should_inspect("j", "s")
    sampler.record("j", "s", "clean")
    picked = [i for i in range(5000) if sampler.should_inspect("j", "s")]
    assert 350 <= len(picked) <= 650  # 500 expected; the bounds fail with probability < 1e-9
    gaps = {b - a for a, b in zip(picked, picked[1:])}
    assert len(gaps) > 5  # not one fixed stride
    with pytest.raises(ValueError, match="draw"):
        SamplingPolicy(draw="sometimes")  # type: ignore[arg-type]
