"""Background work of email, run by the worker: processing stored inbound mail, polling IMAP
mailboxes and delivering replies. The tasks live beside the services they run."""

from tierdesk.mail import imap, intake_tasks, outbound_tasks  # noqa: F401
