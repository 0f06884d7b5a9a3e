"""Email in and out: support addresses, mail received by the SMTP listener or polled from IMAP
mailboxes, stored raw before it is processed, and replies sent to customers over SMTP."""
