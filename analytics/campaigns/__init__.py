"""Campaigns (营销活动): targeting with a hold-out control group, execution through the channels, and effect
evaluation against the control group. Pure evaluation lives in ``evaluation``."""
