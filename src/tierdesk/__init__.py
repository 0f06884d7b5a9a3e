"""tierdesk: support operations for B2B software companies."""

__version__ = "0.1.0"
