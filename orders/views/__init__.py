"""Ordering pages: the counter (order intake, confirmation, approvals), the dispatch board and the field pages."""
