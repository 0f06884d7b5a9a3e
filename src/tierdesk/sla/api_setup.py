"""API of service-level setup: calendars and policies, for administrators."""

from ninja import Router

router = Router(tags=["sla"])
