"""API of phone."""

from ninja import Router

router = Router(tags=["phone"])
