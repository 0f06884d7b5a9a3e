"""Routing new tickets: ordered rules that set group, priority, tags and type, and automatic assignment."""
