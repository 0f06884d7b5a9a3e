"""Pieces every capability shares: service errors, request timing, API plumbing."""
