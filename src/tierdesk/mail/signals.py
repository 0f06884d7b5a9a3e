"""Hooks on the ticket's messages: a public reply by staff is queued for delivery by email."""
