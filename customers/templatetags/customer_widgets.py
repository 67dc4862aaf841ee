"""Home-page widgets of the customer module (the home page includes them by role)."""

from django import template
from django.utils import timezone

from customers import selectors

register = template.Library()


@register.inclusion_tag("customers/_key_account_due.html", takes_context=True)
def key_account_due(context):
    user = context["request"].user
    return {
        "portfolio_size": selectors.key_account_portfolio(user).count(),
        "contracts_due": list(selectors.contracts_due(user)[:8]),
        "plans_due": list(selectors.communication_plans_due(user)[:8]),
        "today": timezone.localdate(),
    }
