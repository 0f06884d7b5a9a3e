"""API of mail."""

from ninja import Router

router = Router(tags=["mail"])
