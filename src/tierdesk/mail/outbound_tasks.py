"""Worker tasks of outbound mail."""
