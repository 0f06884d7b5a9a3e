"""API of staffing: the Erlang C calculator for planners."""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from tierdesk.core.api import ErrorOut
from tierdesk.core.errors import PermissionDenied, ValidationFailed
from tierdesk.staffing.erlang import ErlangInputError, erlang_c
from tierdesk.staffing.schemas import ErlangCIn, ErlangCOut

router = Router(tags=["staffing"])

REQUIRED = ("arrivals", "interval_seconds", "aht_seconds", "target_seconds", "target_level")


def _numbers(query: ErlangCIn) -> dict[str, float]:
    """The parameters as numbers; ValidationFailed naming each missing or unreadable one."""
    errors: dict[str, str] = {}
    numbers: dict[str, float] = {}
    for name in (*REQUIRED, "shrinkage"):
        raw = (getattr(query, name) or "").strip()
        if not raw:
            if name in REQUIRED:
                errors[name] = _("Required.")
            else:
                numbers[name] = 0.0
            continue
        try:
            numbers[name] = float(raw)
        except ValueError:
            errors[name] = _("Give a number.")
    if errors:
        raise ValidationFailed(errors)
    return numbers


@router.get(
    "/staffing/erlang-c",
    response={200: ErlangCOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Erlang C staffing calculator",
)
def erlang_c_read(request: HttpRequest, query: Query[ErlangCIn]) -> Any:
    """The fewest agents N (N > traffic) whose service level, 1 - P(W) * e^(-(N - A) * T / AHT),
    reaches `target_level`, with that N's probability of waiting (Erlang C), average speed of
    answer, occupancy and the people to schedule after shrinkage, ceil(N / (1 - shrinkage)).
    Traffic A = arrivals * aht_seconds / interval_seconds. Staff only (403 for customers); 422
    names each missing or refused parameter: arrivals, interval and AHT above 0, target_seconds
    0 or more, target_level between 0 and 1, shrinkage from 0 up to 1 excluded."""
    if not request.auth.is_support_staff:
        raise PermissionDenied(_("Staffing is for the support team."))
    numbers = _numbers(query)
    try:
        result = erlang_c(**numbers)
    except ErlangInputError as error:
        raise ValidationFailed({k: _(reason) for k, reason in error.errors.items()}) from None
    answer = vars(result).copy()
    # JSON has no infinity; with N > A the ASA is always finite, this only guards the contract.
    if not math.isfinite(answer["average_speed_of_answer_seconds"]):
        answer["average_speed_of_answer_seconds"] = None
    return answer
