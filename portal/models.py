"""Models of the self-service portal app; its issue fills them in."""
