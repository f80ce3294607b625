"""The web front doors: the console for comms and admins (web.console)."""
