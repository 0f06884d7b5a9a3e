"""API of service levels: attainment per target over a period."""

from ninja import Router

router = Router(tags=["sla"])
