"""TMF APIs of this app."""
