"""Working tools: macros, @mentions with notifications, and merging duplicate tickets."""
