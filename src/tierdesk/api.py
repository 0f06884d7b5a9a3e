"""The REST API v1: one NinjaAPI, a router per capability."""

from tierdesk.accounts.api import router as accounts_router
from tierdesk.core.api import (
    API_AUTH,
    JsonOrFormParser,
    TierdeskAPI,
    fallback_router,
    install_error_handlers,
)
from tierdesk.core.api import router as core_router
from tierdesk.tickets.api import router as tickets_router

api = TierdeskAPI(
    title="tierdesk API",
    version="1",
    description=(
        "Tickets and the people around them. Authenticate with `Authorization: Bearer <token>` "
        "(POST /api/v1/auth/token) or a signed-in session. Errors always read "
        '`{"detail": ..., "errors": [{"field": ..., "reason": ...}]}`.'
    ),
    urls_namespace="api-v1",
    auth=API_AUTH,
    parser=JsonOrFormParser(),
)
install_error_handlers(api)
api.add_router("", core_router)
api.add_router("", accounts_router)
api.add_router("", tickets_router)
api.add_router("", fallback_router)
