"""Models of the customers app; its issue fills them in."""
