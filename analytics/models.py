"""Models of the analytical crm app; its issue fills them in."""
