"""Erlang C against published worked examples, its input checks, and properties that hold for
any traffic: service level grows with agents, P(W) is a probability, the N found is minimal."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierdesk.staffing.erlang import (
    MAX_AGENTS,
    ErlangInputError,
    agents_after_shrinkage,
    average_speed_of_answer,
    erlang_b,
    erlang_c,
    figures,
    probability_of_waiting,
    service_level,
    traffic_intensity,
)


def test_call_centre_helper_worked_example():
    """Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example"
    (https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm): 100 calls in 30
    minutes, AHT 180 s, 80% answered in 20 s. A = 10 Erlangs; 14 agents are needed (13 give
    79.6%); with 14 agents P(W) = 17.4%, service level 88.8%, ASA 7.8 s, occupancy 71.4%;
    with 30% shrinkage 14 / 0.7 = 20 agents to schedule."""
    result = erlang_c(
        arrivals=100,
        interval_seconds=1800,
        aht_seconds=180,
        target_seconds=20,
        target_level=0.8,
        shrinkage=0.3,
    )

    assert result.traffic_erlangs == pytest.approx(10.0)
    assert result.agents == 14
    assert result.probability_of_waiting == pytest.approx(0.1741, abs=5e-4)
    assert result.service_level == pytest.approx(0.8884, abs=5e-4)
    assert result.average_speed_of_answer_seconds == pytest.approx(7.84, abs=0.01)
    assert result.occupancy == pytest.approx(0.7143, abs=5e-4)
    assert result.agents_with_shrinkage == 20
    # The step before: 13 agents fall just short of 80%.
    assert service_level(13, 10.0, 180, 20) == pytest.approx(0.7956, abs=5e-4)


def test_mitan_worked_example():
    """Mitan Ltd, "The Erlang-C formula" (http://www.mitan.co.uk/erlang/elgcmath.htm), the
    step-by-step example: 360 calls per half hour, 4-minute calls, 55 agents, 15 s target.
    Traffic 48 Erlangs, occupancy 0.873, P(W) = 0.239, ASA 8.2 s, service level 84.6%."""
    traffic = traffic_intensity(360, 1800, 240)

    assert traffic == pytest.approx(48.0)
    at_55 = figures(agents=55, traffic=traffic, aht_seconds=240, target_seconds=15, shrinkage=0)
    assert at_55.occupancy == pytest.approx(0.873, abs=5e-4)
    assert at_55.agents_with_shrinkage == 55
    assert probability_of_waiting(55, traffic) == pytest.approx(0.239, abs=5e-4)
    assert average_speed_of_answer(55, traffic, 240) == pytest.approx(8.2, abs=0.05)
    assert service_level(55, traffic, 240, 15) == pytest.approx(0.846, abs=5e-4)


def test_erlang_b_matches_the_closed_form_for_small_n():
    # B(N, A) = (A^N / N!) / sum_{k<=N} A^k / k!, exact for small N.
    for agents, traffic in ((1, 0.5), (3, 2.0), (7, 5.5)):
        closed = (traffic**agents / math.factorial(agents)) / sum(
            traffic**k / math.factorial(k) for k in range(agents + 1)
        )
        assert erlang_b(agents, traffic) == pytest.approx(closed, rel=1e-12)


def test_large_traffic_stays_finite():
    # A^N / N! overflows a float long before 1,000 agents; the recurrence does not.
    result = erlang_c(
        arrivals=36_000, interval_seconds=3600, aht_seconds=90, target_seconds=20, target_level=0.8
    )

    assert 900 < result.agents < 960
    assert 0 <= result.probability_of_waiting <= 1


def test_no_agents_at_or_below_traffic_means_everyone_waits():
    assert probability_of_waiting(10, 10.0) == 1.0
    assert service_level(10, 10.0, 180, 20) == 0.0
    assert average_speed_of_answer(10, 10.0, 180) == math.inf


def test_shrinkage_rounds_up_but_not_on_float_noise():
    assert agents_after_shrinkage(14, 0.3) == 20
    assert agents_after_shrinkage(15, 0.3) == 22
    assert agents_after_shrinkage(7, 0.0) == 7


def test_every_bad_field_is_named():
    with pytest.raises(ErlangInputError) as refused:
        erlang_c(
            arrivals=0,
            interval_seconds=-1,
            aht_seconds=math.nan,
            target_seconds=-5,
            target_level=1.0,
            shrinkage=1.0,
        )

    assert set(refused.value.errors) == {
        "arrivals",
        "interval_seconds",
        "aht_seconds",
        "target_seconds",
        "target_level",
        "shrinkage",
    }


@pytest.mark.parametrize("level", [0.0, 1.0, -0.2, 1.5])
def test_target_level_must_be_strictly_between_0_and_1(level):
    with pytest.raises(ErlangInputError) as refused:
        erlang_c(
            arrivals=10,
            interval_seconds=3600,
            aht_seconds=300,
            target_seconds=20,
            target_level=level,
        )
    assert set(refused.value.errors) == {"target_level"}


traffic_values = st.floats(min_value=0.05, max_value=300, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(traffic=traffic_values, extra=st.integers(min_value=1, max_value=40))
def test_probability_of_waiting_is_a_probability_falling_with_agents(traffic, extra):
    agents = math.floor(traffic) + extra
    pw = probability_of_waiting(agents, traffic)

    assert 0 <= pw <= 1
    assert probability_of_waiting(agents + 1, traffic) <= pw


@settings(max_examples=150, deadline=None)
@given(
    traffic=traffic_values,
    extra=st.integers(min_value=1, max_value=40),
    aht=st.floats(min_value=10, max_value=3600),
    target=st.floats(min_value=0, max_value=600),
)
def test_service_level_grows_with_agents(traffic, extra, aht, target):
    agents = math.floor(traffic) + extra

    assert service_level(agents + 1, traffic, aht, target) >= service_level(
        agents, traffic, aht, target
    )
    assert 0 <= service_level(agents, traffic, aht, target) <= 1


@settings(max_examples=150, deadline=None)
@given(
    arrivals=st.floats(min_value=0.1, max_value=2000),
    aht=st.floats(min_value=10, max_value=1800),
    target=st.floats(min_value=0, max_value=300),
    level=st.floats(min_value=0.05, max_value=0.99),
    shrinkage=st.floats(min_value=0, max_value=0.9),
)
def test_agents_found_are_the_fewest_that_meet_the_target(arrivals, aht, target, level, shrinkage):
    result = erlang_c(
        arrivals=arrivals,
        interval_seconds=3600,
        aht_seconds=aht,
        target_seconds=target,
        target_level=level,
        shrinkage=shrinkage,
    )
    traffic = result.traffic_erlangs

    assert result.agents > traffic
    assert result.service_level >= level
    fewer = result.agents - 1
    assert fewer <= traffic or service_level(fewer, traffic, aht, target) < level
    assert result.agents_with_shrinkage >= result.agents
    assert result.agents_with_shrinkage * (1 - shrinkage) >= result.agents - 1e-6


def test_infinite_traffic_is_refused_naming_arrivals():
    with pytest.raises(ErlangInputError) as refused:
        erlang_c(
            arrivals=1e300,
            interval_seconds=3600,
            aht_seconds=1e300,
            target_seconds=20,
            target_level=0.8,
        )
    assert set(refused.value.errors) == {"arrivals"}


def test_traffic_needing_more_than_the_cap_is_refused_before_any_search():
    with pytest.raises(ErlangInputError) as refused:
        erlang_c(
            arrivals=99_000,
            interval_seconds=3600,
            aht_seconds=3600,
            target_seconds=20,
            target_level=0.99,
        )
    assert set(refused.value.errors) == {"arrivals"}
    assert MAX_AGENTS <= 20_000


def test_large_traffic_near_the_cap_finds_the_fewest_agents():
    traffic = MAX_AGENTS * 0.75
    result = erlang_c(
        arrivals=traffic,
        interval_seconds=3600,
        aht_seconds=3600,
        target_seconds=20,
        target_level=0.99,
    )

    assert result.agents > traffic
    assert result.service_level >= 0.99
    fewer = result.agents - 1
    assert service_level(fewer, traffic, 3600, 20) < 0.99
    # The incremental Erlang B agrees with the one computed from B(0).
    assert result.service_level == pytest.approx(
        service_level(result.agents, traffic, 3600, 20), rel=1e-9
    )
