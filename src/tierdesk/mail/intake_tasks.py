"""Worker tasks of inbound mail."""
