"""Template filters for segmentation results: the translated name of an RFM segment code."""

from django import template

from analytics.segments.rfm import segment_label

register = template.Library()


@register.filter
def rfm_label(code: str) -> str:
    return segment_label(code or "")
