"""Models of the orders app; its issue fills them in."""
