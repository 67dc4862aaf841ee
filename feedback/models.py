"""Models of the feedback and care app; its issue fills them in."""
