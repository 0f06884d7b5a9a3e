"""Escalation between tiers with the package the receiver needs, and complaint ownership."""
