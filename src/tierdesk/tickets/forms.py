"""Forms of the agent console: list filters, reply and note, and the ticket's properties panel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts import selectors as account_selectors
from tierdesk.accounts.choices import Tier
from tierdesk.accounts.models import User
from tierdesk.tickets.choices import (
    UNSOLVED_STATUSES,
    Channel,
    Priority,
    ProductArea,
    Status,
    TicketType,
)
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.selectors import TicketFilters
from tierdesk.web.forms import MultipleFileField

UNSOLVED = "unsolved"
ANY = [("", _("Any"))]


class TicketFilterForm(forms.Form):
    """The console list's filters; every field is optional and an invalid one is ignored."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "data-shortcut": "search",
                "placeholder": _("Number or subject words"),
            }
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[*ANY, (UNSOLVED, _("Unsolved")), *Status.choices],
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[*ANY, *Priority.choices]
    )
    tier = forms.TypedChoiceField(
        label=_("Tier"), required=False, coerce=int, empty_value=None, choices=[*ANY, *Tier.choices]
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    organization = forms.TypedChoiceField(
        label=_("Organization"), required=False, coerce=int, empty_value=None
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[*ANY, *Channel.choices]
    )
    group = forms.TypedChoiceField(label=_("Group"), required=False, coerce=int, empty_value=None)
    updated_since = forms.DateField(
        label=_("Updated since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = [(str(p.pk), p.display_name) for p in account_selectors.staff_members()]
        self.fields["assignee"].choices = [*ANY, ("me", _("Me")), ("none", _("Unassigned")), *staff]
        self.fields["organization"].choices = [
            *ANY,
            *(
                (str(o.pk), o.name)
                for o in account_selectors.organizations_visible_to(user)
                .select_related(None)
                .only("pk", "name")
            ),
        ]
        self.fields["group"].choices = [
            *ANY,
            *((str(g.pk), g.name) for g in account_selectors.skill_groups()),
        ]

    def filters(self) -> TicketFilters:
        """The selector's filters from whatever fields were valid."""
        data = getattr(self, "cleaned_data", {})
        status = data.get("status") or None
        statuses = sorted(UNSOLVED_STATUSES) if status == UNSOLVED else [status] if status else None
        assignee = data.get("assignee") or None
        if assignee and assignee not in {"me", "none"}:
            assignee = int(assignee)
        since = data.get("updated_since")
        return TicketFilters(
            status=statuses,
            priority=[data["priority"]] if data.get("priority") else None,
            tier=data.get("tier"),
            assignee=assignee,
            organization=data.get("organization"),
            channel=data.get("channel") or None,
            group=data.get("group"),
            # "Since a day" means from that day's start where the agent is, not in UTC.
            updated_since=timezone.make_aware(dt.datetime.combine(since, dt.time.min))
            if since
            else None,
            q=(data.get("q") or "").strip() or None,
        )


# The statuses an agent can send a reply or a change "as"; "new" is never a destination.
SUBMIT_STATUSES = [(s.value, s.label) for s in Status if s not in {Status.NEW, Status.CLOSED}]


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply"), widget=forms.Textarea(attrs={"rows": 6}), max_length=200_000
    )
    status = forms.ChoiceField(label=_("Submit as"), choices=SUBMIT_STATUSES, required=False)
    attachments = MultipleFileField(label=_("Attach files"))

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "reply_%s")
        super().__init__(*args, **kwargs)
        self.fields["body"].widget.attrs.setdefault("placeholder", _("Write to the requester…"))
        if not self.is_bound:
            # A reply to a new ticket opens it; otherwise the ticket keeps its status unless changed.
            self.initial.setdefault(
                "status", Status.OPEN if ticket.status == Status.NEW else ticket.status
            )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 6}), max_length=200_000
    )
    attachments = MultipleFileField(label=_("Attach files"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "note_%s")
        super().__init__(*args, **kwargs)
        self.fields["body"].widget.attrs.setdefault("placeholder", _("Only staff see notes."))


class TicketPropertiesForm(forms.Form):
    """The side panel: every field is sent; only those that differ from the ticket become changes."""

    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    type = forms.ChoiceField(label=_("Type"), choices=TicketType.choices)
    product_area = forms.ChoiceField(
        label=_("Product area"), choices=[("", "—"), *ProductArea.choices], required=False
    )
    tier = forms.TypedChoiceField(label=_("Tier"), choices=Tier.choices, coerce=int)
    group = forms.TypedChoiceField(label=_("Group"), required=False, coerce=int, empty_value=None)
    assignee = forms.TypedChoiceField(
        label=_("Assignee"), required=False, coerce=int, empty_value=None
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=2000,
        help_text=_("Separated by spaces or commas."),
    )

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        self.ticket = ticket
        kwargs.setdefault("auto_id", "prop_%s")
        kwargs.setdefault(
            "initial",
            {
                "status": ticket.status,
                "priority": ticket.priority,
                "type": ticket.type,
                "product_area": ticket.product_area,
                "tier": ticket.tier,
                "group": ticket.group_id,
                "assignee": ticket.assignee_id,
                "tags": " ".join(ticket.tags or []),
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [
            ("", "—"),
            *((str(g.pk), g.name) for g in account_selectors.skill_groups()),
        ]
        self.fields["assignee"].choices = [
            ("", _("Unassigned")),
            *(
                (str(p.pk), p.display_name)
                for p in account_selectors.staff_members().exclude(role="reviewer")
            ),
        ]

    def changes(self) -> dict[str, Any]:
        """Only the fields whose value differs from the ticket, in the service's terms."""
        data = self.cleaned_data
        ticket = self.ticket
        tags = [t for t in data["tags"].replace(",", " ").split() if t]
        current = {
            "status": ticket.status,
            "priority": ticket.priority,
            "type": ticket.type,
            "product_area": ticket.product_area,
            "tier": ticket.tier,
            "group": ticket.group_id,
            "assignee": ticket.assignee_id,
            "tags": list(ticket.tags or []),
        }
        proposed = {**{k: data[k] for k in current if k != "tags"}, "tags": tags}
        return {k: v for k, v in proposed.items() if v != current[k]}
