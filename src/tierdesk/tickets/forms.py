"""Forms of the agent console: list filters, reply and note, and the ticket's properties panel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
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


class FollowUpForm(forms.Form):
    """A message for a closed ticket: it opens a new ticket linked to the closed one."""

    body = forms.CharField(
        label=_("Follow-up"), widget=forms.Textarea(attrs={"rows": 6}), max_length=200_000
    )
    attachments = MultipleFileField(label=_("Attach files"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "follow_up_%s")
        super().__init__(*args, **kwargs)
        self.fields["body"].widget.attrs.setdefault(
            "placeholder", _("Write to the requester; this opens a new ticket linked to this one.")
        )


class ShareForm(forms.Form):
    """Names one more member of staff who may read a restricted ticket."""

    person = forms.ModelChoiceField(label=_("Give access to"), queryset=User.objects.none())

    def __init__(self, *args: Any, readers: Iterable[User], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "share_%s")
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = account_selectors.staff_members().exclude(
            pk__in=[reader.pk for reader in readers]
        )


def _tag_list(text: str | None) -> list[str]:
    # Lower-cased as the service stores them, so "VIP" typed over "vip" is no change.
    return [tag.lower() for tag in (text or "").replace(",", " ").split() if tag]


class TicketPropertiesForm(forms.Form):
    """The side panel. Every field also carries, hidden, the value the person saw when the panel
    was drawn; only the fields they changed from it are sent to the service. A panel loaded before
    a colleague's change therefore never writes that change back."""

    status = forms.ChoiceField(label=_("Status"), choices=Status.choices, show_hidden_initial=True)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, show_hidden_initial=True
    )
    type = forms.ChoiceField(label=_("Type"), choices=TicketType.choices, show_hidden_initial=True)
    product_area = forms.ChoiceField(
        label=_("Product area"),
        choices=[("", "—"), *ProductArea.choices],
        required=False,
        show_hidden_initial=True,
    )
    tier = forms.TypedChoiceField(
        label=_("Tier"), choices=Tier.choices, coerce=int, show_hidden_initial=True
    )
    group = forms.TypedChoiceField(
        label=_("Group"), required=False, coerce=int, empty_value=None, show_hidden_initial=True
    )
    assignee = forms.TypedChoiceField(
        label=_("Assignee"), required=False, coerce=int, empty_value=None, show_hidden_initial=True
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=2000,
        help_text=_("Separated by spaces or commas."),
        show_hidden_initial=True,
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
        if self.is_bound:
            # A field left out of a post (a script's) is one the sender did not change.
            for name, field in self.fields.items():
                if name not in self.data:
                    field.required = False

    def changes(self) -> dict[str, Any]:
        """The fields the person changed, in the service's terms, leaving out any that already
        hold the chosen value. A field posted without its hidden value counts as changed; one
        left out of the post as unchanged."""
        data = self.cleaned_data
        changes: dict[str, Any] = {}
        for name in self._touched():
            if name == "tags":
                tags = self._tags_after_edit()
                if tags != list(self.ticket.tags or []):
                    changes[name] = tags
            elif data[name] != self.initial[name]:
                changes[name] = data[name]
        return changes

    def _touched(self) -> list[str]:
        """Fields changed from the value shown, and those posted without it (a script's post)."""
        return [
            name
            for name in self.fields
            if name in self.data
            and (name in self.changed_data or self.add_initial_prefix(name) not in self.data)
        ]

    def _tags_after_edit(self) -> list[str]:
        """The ticket's current tags with the person's additions and removals applied, so tags a
        colleague added since the panel was drawn stay."""
        seen_name = self.add_initial_prefix("tags")
        current = list(self.ticket.tags or [])
        seen = _tag_list(self.data[seen_name]) if seen_name in self.data else current
        typed = _tag_list(self.cleaned_data["tags"])
        removed = set(seen) - set(typed)
        kept = [tag for tag in current if tag not in removed]
        return kept + [tag for tag in typed if tag not in seen and tag not in kept]

    def show_ticket_as_it_is(self) -> None:
        """After a refusal: the fields the person changed keep their choice, every other field
        shows the ticket as it is now rather than as it was when the panel was drawn."""
        touched = self._touched()
        untouched = [name for name in self.fields if name not in touched]
        data = self.data.copy()
        for name in untouched:
            value = self.initial[name]
            data[name] = data[self.add_initial_prefix(name)] = "" if value is None else str(value)
        self.data = data
