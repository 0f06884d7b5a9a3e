"""Fixed vocabularies of tickets: channels, types, priorities, statuses and the moves between them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Portal")
    CHAT = "chat", _("Chat")
    PHONE = "phone", _("Phone")
    API = "api", _("API")
    PROACTIVE = "proactive", _("Proactive")


class TicketType(models.TextChoices):
    QUESTION = "question", _("Question")
    PROBLEM = "problem", _("Problem")
    INCIDENT = "incident", _("Incident")
    FEATURE_REQUEST = "feature_request", _("Feature request")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    ON_HOLD = "on_hold", _("On hold")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


# Where a ticket may go from each status. Nothing returns to "new"; a closed ticket is final
# (a customer who writes again gets a follow-up ticket), so history and metrics stay stable.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED}),
    Status.OPEN: frozenset({Status.PENDING, Status.ON_HOLD, Status.SOLVED}),
    Status.PENDING: frozenset({Status.OPEN, Status.ON_HOLD, Status.SOLVED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.PENDING, Status.SOLVED}),
    Status.SOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}

# Statuses in which the ticket still needs work from someone.
UNSOLVED_STATUSES = frozenset({Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD})


class ProductArea(models.TextChoices):
    QUERY_ENGINE = "query_engine", _("Query engine")
    INGESTION = "ingestion", _("Data ingestion")
    INTEGRATIONS = "integrations", _("Integrations")
    DASHBOARDS = "dashboards", _("Dashboards and reports")
    API = "api", _("API and SDKs")
    ADMINISTRATION = "administration", _("Administration and access")
    BILLING = "billing", _("Billing and licensing")
    SECURITY = "security", _("Security and compliance")


class MessageKind(models.TextChoices):
    PUBLIC = "public", _("Public reply")
    INTERNAL = "internal", _("Internal note")


class EventKind(models.TextChoices):
    CREATED = "created", _("Ticket opened")
    CHANGED = "changed", _("Field changed")
    MESSAGE = "message", _("Public reply")
    NOTE = "note", _("Internal note")
    ATTACHMENT = "attachment", _("Attachment added")
    VIEWED = "viewed", _("Restricted ticket read")
    ROUTED = "routed", _("Routing rule applied")
    ESCALATION = "escalation", _("Escalation")
    ENGINEERING = "engineering", _("Engineering issue")
    MERGED = "merged", _("Tickets merged")
    SLA = "sla", _("Service level")


class EscalationFlag(models.TextChoices):
    """A ticket an escalation manager owns end to end, beside the engineer's technical work."""

    COMPLAINT = "complaint", _("Complaint")
    INCIDENT = "incident", _("Incident")
