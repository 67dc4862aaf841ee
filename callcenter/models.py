"""Models of the call centre app; its issue fills them in."""
