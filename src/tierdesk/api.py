"""The REST API v1: one NinjaAPI, a router per capability."""

from tierdesk.accounts.api import router as accounts_router
from tierdesk.chat.api import router as chat_router
from tierdesk.core.api import (
    API_AUTH,
    JsonOrFormParser,
    TierdeskAPI,
    fallback_router,
    install_error_handlers,
)
from tierdesk.core.api import router as core_router
from tierdesk.engineering.api import router as engineering_router
from tierdesk.escalations.api import router as escalations_router
from tierdesk.knowledge.api import router as knowledge_router
from tierdesk.macros.api import router as macros_router
from tierdesk.mail.api import router as mail_router
from tierdesk.mail.api_outbound import router as mail_outbound_router
from tierdesk.measures.api import router as measures_router
from tierdesk.phone.api import router as phone_router
from tierdesk.queues.api import router as queues_router
from tierdesk.routing.api import router as routing_router
from tierdesk.search.api import router as search_router
from tierdesk.sla.api import router as sla_router
from tierdesk.sla.api_setup import router as sla_setup_router
from tierdesk.staffing.api import router as staffing_router
from tierdesk.suggestions.api import router as suggestions_router
from tierdesk.surveys.api import router as surveys_router
from tierdesk.tickets.api import router as tickets_router
from tierdesk.triage.api import router as triage_router

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
api.add_router("", queues_router)
api.add_router("", routing_router)
api.add_router("", triage_router)
api.add_router("", escalations_router)
api.add_router("", engineering_router)
api.add_router("", macros_router)
api.add_router("", mail_router)
api.add_router("", mail_outbound_router)
api.add_router("", chat_router)
api.add_router("", phone_router)
api.add_router("", sla_router)
api.add_router("", sla_setup_router)
api.add_router("", knowledge_router)
api.add_router("", search_router)
api.add_router("", suggestions_router)
api.add_router("", measures_router)
api.add_router("", surveys_router)
api.add_router("", staffing_router)
api.add_router("", fallback_router)
