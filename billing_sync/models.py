"""Models of the billing integration app; its issue fills them in."""
