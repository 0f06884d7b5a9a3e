"""The layouts of the dashboard's charts: scales, the trend line's gaps and target, the bars."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tierdesk.measures import charts


def weeks(*values: float | None) -> list[dict]:
    return [{"key": f"2026-03-{2 + 7 * i:02d}", "value": v} for i, v in enumerate(values)]


def test_a_scale_reaches_zero_and_a_target_above_the_data():
    axis = charts.scale([2.0, 3.5], "percent", target=12)

    assert (axis.low, axis.high) == (0, 15)
    assert axis.ticks == [0, 5, 10, 15]
    assert axis.y(axis.high) == charts.TOP
    assert axis.y(0) == charts.HEIGHT - charts.BOTTOM


def test_a_negative_nps_scales_from_its_minimum_through_zero_to_its_maximum():
    axis = charts.scale([-35.0, 20.0, None], "score")

    assert axis.low <= -35 < 20 <= axis.high
    assert 0 in axis.ticks
    assert axis.y(-35) > axis.y(0) > axis.y(20)


def test_an_all_negative_series_still_shows_zero_and_a_target_below_the_data():
    axis = charts.scale([-10.0, -20.0], "score", target=-50)

    assert axis.high == 0
    assert axis.low <= -50


def test_a_flat_series_of_zeros_gets_a_readable_axis():
    axis = charts.scale([0, 0, None], "tickets")

    assert axis.ticks == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    ("span", "unit", "step"),
    [
        (60, "percent", 20),
        (0.8, "score", 0.2),
        (2, "tickets", 1),  # never half a ticket
        (5 * 3600, "seconds", 7200),  # hours, not 4500 s
        (600, "seconds", 300),
    ],
)
def test_steps_are_round_in_the_unit(span, unit, step):
    assert charts.nice_step(span, unit) == step


def test_axis_labels_are_in_the_unit():
    assert charts.axis_label(20.0, "percent", 10) == "20%"
    assert charts.axis_label(0.4, "score", 0.2) == "0.4"
    assert charts.axis_label(7200.0, "seconds", 3600) == "2 h"
    assert charts.axis_label(0.0, "seconds", 3600) == "0"
    assert charts.axis_label(5400.0, "seconds", 1800) == "1.5 h"
    assert charts.axis_label(900.0, "seconds", 900) == "15 min"
    assert charts.target_label("at_most", 5.0, "percent") == "target ≤ 5%"
    assert charts.target_label("at_least", 99.5, "percent") == "target ≥ 99.5%"


def test_a_week_with_no_value_breaks_the_line():
    chart = charts.line_chart(weeks(10, 20, None, 30, None, 40), "percent", None)

    assert len(chart.points) == 6
    assert [point.y is None for point in chart.points] == [False, False, True, False, True, False]
    assert [len(segment.split()) for segment in chart.segments] == [2, 1, 1]
    first = chart.points[0]
    assert chart.segments[0].startswith(f"{first.x},{first.y} ")
    assert chart.target_y is None
    assert chart.target_label == ""


def test_weeks_are_spread_evenly_left_to_right():
    chart = charts.line_chart(weeks(1, 2, 3), "tickets", None)

    xs = [point.x for point in chart.points]
    assert xs == sorted(xs)
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1], abs=0.1)
    assert xs[0] > charts.LEFT
    assert xs[-1] < charts.WIDTH - charts.RIGHT


def test_a_target_outside_the_data_is_drawn_inside_the_plot():
    chart = charts.line_chart(weeks(1.0, 2.0), "percent", {"comparison": "at_least", "value": 80.0})

    assert chart.target_y == charts.TOP  # 80 % is the top of a 0-80 % scale
    assert chart.target_label == "target ≥ 80%"
    # The label goes below the line rather than out of the plot.
    assert chart.target_label_y > chart.target_y
    assert all(point.y > chart.target_y for point in chart.points)


def test_no_weeks_no_line():
    chart = charts.line_chart([], "percent", None)

    assert chart.points == [] and chart.segments == []
    assert chart.ticks


def test_bars_rise_from_zero_to_their_count():
    rows = [{"key": "<1d", "value": 4}, {"key": "1-3d", "value": 0}, {"key": ">30d", "value": 2}]

    chart = charts.bar_chart(rows)

    bottom = charts.HEIGHT - charts.BOTTOM
    assert [bar.key for bar in chart.bars] == ["<1d", "1-3d", ">30d"]
    assert [bar.y + bar.height for bar in chart.bars] == [bottom] * 3
    assert chart.bars[1].height == 0
    assert chart.bars[0].height == pytest.approx(2 * chart.bars[2].height, abs=0.1)


def sla_row(series: str, value: float, goal: str, met: bool | None) -> dict:
    return {
        "series": series,
        "value": value,
        "met": met,
        "details": {"goal_percent": Decimal(goal)},
    }


def test_an_sla_bar_shows_attainment_against_its_goal():
    chart = charts.sla_chart(
        [sla_row("first_response", 75.0, "90.00", False), sla_row("resolution", 100, "80", True)],
        None,
    )

    first, resolution = chart.bars
    assert (first.label, first.status, first.mark_label) == ("First response", "missed", "goal 90%")
    assert first.width == pytest.approx(chart.track_width * 0.75, abs=0.1)
    assert first.mark_x == pytest.approx(chart.left + chart.track_width * 0.9, abs=0.1)
    assert (resolution.status, resolution.width) == ("met", chart.track_width)
    assert resolution.y > first.y
    assert chart.height > resolution.y + resolution.height


def test_a_kpi_target_on_sla_attainment_replaces_the_goal_mark():
    chart = charts.sla_chart(
        [sla_row("first_response", 75.0, "90", True)], {"comparison": "at_least", "value": 70.0}
    )

    bar = chart.bars[0]
    assert bar.mark_label == "target ≥ 70%"
    assert bar.mark_x == pytest.approx(chart.left + chart.track_width * 0.7, abs=0.1)
    assert bar.status == "met"
