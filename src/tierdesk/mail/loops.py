# ruff: noqa: RUF001 - patterns match Japanese and Russian mail on purpose.
"""Mail no person wrote: auto-replies, bulk mail, delivery reports, and loops between robots.

None of it opens a ticket or gets an answer; it is stored, marked ignored with the reason, and
can still be read and accepted by hand. A bounce of the desk's own reply also marks that reply
bounced (mail.outbound.outbound_mark_bounced), so the engineer learns the customer never got it.
A sender writing more than TIERDESK_MAIL_SENDER_LIMIT_PER_HOUR messages an hour is held for
review: two auto-responders answering each other would otherwise open tickets without end.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message

from django.conf import settings

from tierdesk.mail.choices import InboundReason
from tierdesk.mail.parsing import (
    ParsedMail,
    decode_bytes,
    decode_header_value,
    normalize_message_id,
    parse,
)

logger = logging.getLogger(__name__)

# Reason codes stored on InboundMail.reason_code.
AUTO_REPLY = InboundReason.AUTO_REPLY
BULK = InboundReason.BULK
BOUNCE = InboundReason.BOUNCE
RECEIPT = InboundReason.RECEIPT
OWN_MAIL = InboundReason.OWN_MAIL
SENDER_LIMIT = InboundReason.SENDER_LIMIT

# Out-of-office subjects, at the start of the subject and followed by a colon (or alone): a
# customer writing "Out of office setting does not save" is not an auto-reply.
_AUTO_SUBJECT = re.compile(
    r"^\s*(out of (the )?office( auto ?reply)?|automatic reply|auto(matic)?[- ]?reply|"
    r"auto[- ]?response|autoreply|autosvar|auto|abwesenheitsnotiz|réponse automatique|"
    r"respuesta automática|自動返信|自動応答|不在通知|不在|"
    r"автоответ|автоматический ответ|нет на месте|вне офиса)\s*([:：]|$)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliver(ed|able)|delivery (status notification|failure|has failed)|"
    r"mail delivery (failed|failure|system)|returned mail|failure notice|"
    r"недоставленное сообщение|не доставлено|配信不能|配信エラー|送信エラー)",
    re.IGNORECASE,
)
_DAEMONS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.IGNORECASE)
_MESSAGE_ID_LINE = re.compile(r"^message-id:\s*(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Noise:
    """Why a message is not a person writing: a reason code and the evidence."""

    code: str
    detail: str


def _report_type(message: Message | None) -> str:
    if message is None:
        return ""
    try:
        if message.get_content_type() != "multipart/report":
            return ""
        return str(message.get_param("report-type") or "").lower()
    except Exception:
        return ""


def _parts(message: Message | None) -> list[Message]:
    if message is None:
        return []
    try:
        return list(message.walk())
    except Exception:
        return [message]


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return ""


def _delivery_status(message: Message | None) -> Message | None:
    for part in _parts(message):
        if _content_type(part) in {"message/delivery-status", "message/global-delivery-status"}:
            return part
    return None


def _status_fields(part: Message) -> list[tuple[str, str]]:
    """The fields of a message/delivery-status part, per-message and per-recipient together."""
    payload = part.get_payload()
    fields: list[tuple[str, str]] = []
    if isinstance(payload, list):
        for block in payload:
            if isinstance(block, Message):
                fields.extend((str(k).lower(), str(v)) for k, v in block.items())
    else:
        text = payload if isinstance(payload, str) else ""
        if not text:
            try:
                text = decode_bytes(part.get_payload(decode=True) or b"")
            except Exception:
                text = ""
        for match in re.finditer(r"^([A-Za-z-]+):\s*(.*(?:\n[ \t].*)*)", text, re.MULTILINE):
            fields.append((match.group(1).lower(), " ".join(match.group(2).split())))
    return fields


def is_bounce(parsed: ParsedMail) -> bool:
    """A delivery status report, or a bounce in the older plain style from a mailer daemon."""
    if _report_type(parsed.message) == "delivery-status" or _delivery_status(parsed.message):
        return True
    return bool(_DAEMONS.match(parsed.from_address)) and bool(
        _BOUNCE_SUBJECT.match(parsed.subject)
        or _BOUNCE_SUBJECT.match(parsed.subject.removeprefix("Warning:").strip())
        or any(
            a.content_type in {"message/rfc822", "text/rfc822-headers"} for a in parsed.attachments
        )
    )


def bounce_failed(parsed: ParsedMail) -> bool:
    """Whether the report says delivery failed for good (a delay warning does not)."""
    part = _delivery_status(parsed.message)
    if part is None:
        return not re.search(
            r"\b(delayed|will (keep|continue) trying|warning)\b",
            parsed.subject + " " + parsed.text[:2000],
            re.IGNORECASE,
        )
    actions = [value.strip().lower() for name, value in _status_fields(part) if name == "action"]
    return not actions or "failed" in actions


def bounce_reason(parsed: ParsedMail) -> str:
    """The receiving server's words: Diagnostic-Code and Status of the failed recipients."""
    part = _delivery_status(parsed.message)
    if part is not None:
        fields = _status_fields(part)
        recipients = [v for k, v in fields if k in {"final-recipient", "original-recipient"}]
        diagnostics = [v for k, v in fields if k == "diagnostic-code"]
        statuses = [v for k, v in fields if k == "status"]
        words = diagnostics or statuses
        if words:
            who = recipients[0].split(";")[-1].strip() if recipients else ""
            return (f"{who}: " if who else "") + " ".join(" ".join(words).split())[:1000]
    return parsed.subject[:300]


def bounced_message_ids(parsed: ParsedMail) -> list[str]:
    """Message-IDs of the returned message: from its message/rfc822 or text/rfc822-headers part,
    else any Message-ID line quoted in the report's text."""
    found: list[str] = []
    for part in _parts(parsed.message):
        kind = _content_type(part)
        if kind in {"message/rfc822", "message/global"}:
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message):
                value = normalize_message_id(decode_header_value(str(inner.get("message-id", ""))))
                if value:
                    found.append(value)
        elif kind in {"text/rfc822-headers", "message/rfc822-headers", "message/global-headers"}:
            try:
                data = part.get_payload(decode=True) or b""
            except Exception:
                data = b""
            inner_id = parse(data if isinstance(data, bytes) else b"").message_id
            if inner_id:
                found.append(inner_id)
    if not found:
        found = [normalize_message_id(m) for m in _MESSAGE_ID_LINE.findall(parsed.text)]
    ids: list[str] = []
    for value in found:
        if value and value != parsed.message_id and value not in ids:
            ids.append(value)
    return ids


def _mark_bounced(message_id: str, reason: str) -> bool:
    """Marks the desk's email with this Message-ID bounced; False when the desk sent none (or the
    outbound side is missing). Imported here so tests can replace it."""
    try:
        from tierdesk.mail.outbound import outbound_mark_bounced
    except ImportError:  # pragma: no cover - the outbound side ships with the app
        logger.warning("No outbound mail module: bounce of %s not recorded", message_id)
        return False
    return outbound_mark_bounced(message_id, reason) is not None


def handle_bounce(parsed: ParsedMail) -> list[str]:
    """For a failed delivery, marks each of the desk's emails it names bounced; returns the
    Message-IDs that were the desk's."""
    if not bounce_failed(parsed):
        return []
    reason = bounce_reason(parsed)
    return [mid for mid in bounced_message_ids(parsed) if _mark_bounced(mid, reason)]


def auto_reply_evidence(parsed: ParsedMail) -> str:
    """The header or subject that shows a robot wrote the message; "" when none does."""
    auto_submitted = parsed.header("auto-submitted").strip().lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder", "x-auto-reply"):
        value = parsed.header(name)
        if parsed.header_all(name) and value.strip().lower() not in {"no", "false", "0"}:
            return f"{name}: {value}".strip()
    suppress = parsed.header("x-auto-response-suppress")
    if suppress and {"all", "oof", "autoreply"} & {
        word.strip().lower() for word in suppress.split(",")
    }:
        return f"X-Auto-Response-Suppress: {suppress}"
    precedence = parsed.header("precedence").strip().lower()
    if precedence == "auto_reply":
        return f"Precedence: {precedence}"
    if parsed.header_all("x-ms-exchange-generated-message-source") or parsed.header(
        "x-ms-exchange-inbox-rules-loop"
    ):
        return "X-MS-Exchange rule or generated message"
    if _AUTO_SUBJECT.match(parsed.subject):
        return f"Subject: {parsed.subject}"
    return ""


def noise_of(parsed: ParsedMail, *, own_addresses: frozenset[str] = frozenset()) -> Noise | None:
    """Why the message is not from a person, or None when it is (as far as headers tell)."""
    if is_bounce(parsed):
        return Noise(BOUNCE, bounce_reason(parsed))
    if _report_type(parsed.message) == "disposition-notification":
        return Noise(RECEIPT, "multipart/report; report-type=disposition-notification")
    if parsed.from_address and parsed.from_address in own_addresses:
        return Noise(OWN_MAIL, f"From: {parsed.from_address}")
    evidence = auto_reply_evidence(parsed)
    if evidence:
        return Noise(AUTO_REPLY, evidence)
    precedence = parsed.header("precedence").strip().lower()
    if precedence in {"bulk", "junk", "list"}:
        return Noise(BULK, f"Precedence: {precedence}")
    return None


def sender_over_limit(sender: str, *, now: datetime, exclude_id: int | None = None) -> int | None:
    """How many messages `sender` sent in the hour before `now`, when that reaches
    TIERDESK_MAIL_SENDER_LIMIT_PER_HOUR; None while under it."""
    from tierdesk.mail.models import InboundMail

    if not sender:
        return None
    limit = settings.TIERDESK_MAIL_SENDER_LIMIT_PER_HOUR
    recent = InboundMail.objects.filter(
        from_address=sender, received_at__gte=now - timedelta(hours=1), received_at__lte=now
    )
    if exclude_id is not None:
        recent = recent.exclude(pk=exclude_id)
    # Counting stops one past the limit: a loop of thousands costs no more than the limit.
    count = recent.order_by()[: limit + 1].count()
    return count if count >= limit else None
