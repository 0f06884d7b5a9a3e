"""Shapes of the staffing API: the Erlang C calculator's parameters and answer."""

from __future__ import annotations

from ninja import Field, Schema


class ErlangCIn(Schema):
    """Parameters of the calculator, taken as text so a refusal names each bad one (422)."""

    arrivals: str | None = Field(None, description="Contacts arriving in the interval, > 0.")
    interval_seconds: str | None = Field(None, description="Length of the interval, > 0.")
    aht_seconds: str | None = Field(None, description="Average handle time in seconds, > 0.")
    target_seconds: str | None = Field(None, description="Answer-within target, seconds, >= 0.")
    target_level: str | None = Field(
        None, description="Share to answer within the target, between 0 and 1 (0.8 = 80%)."
    )
    shrinkage: str | None = Field(
        None, description="Share of paid time off the queue, from 0 up to 1 excluded; default 0."
    )


class ErlangCOut(Schema):
    """The fewest agents that meet the target, and that number's figures."""

    agents: int = Field(..., description="Agents needed on the queue (N > traffic).")
    agents_with_shrinkage: int = Field(..., description="ceil(agents / (1 - shrinkage)).")
    service_level: float = Field(..., description="Share answered within the target with N.")
    probability_of_waiting: float = Field(..., description="Erlang C: share that waits at all.")
    average_speed_of_answer_seconds: float = Field(..., description="P(W) * AHT / (N - A).")
    occupancy: float = Field(..., description="traffic / agents.")
    traffic_erlangs: float = Field(..., description="arrivals * AHT / interval.")
