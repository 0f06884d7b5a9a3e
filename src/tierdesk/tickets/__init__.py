"""Tickets: the requests customers make, their messages, attachments and the event history of every change."""
