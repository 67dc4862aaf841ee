"""Billing integration (计费集成): feeds from billing, bills, payments, balances, usage, and arrears management."""

from .bills import AccountBalance, BillItem, CustomerBill, Payment
from .dunning import (
    CollectionTask,
    DunningAction,
    DunningCase,
    DunningCreditBand,
    DunningPhase,
    DunningRule,
    Instalment,
    InstalmentPlan,
    PromiseToPay,
    WriteOff,
)
from .feeds import FeedBatch, FeedRejection
from .online import OnlinePayment
from .usage import UsageDaily, UsageMonthly, UsageRecord

__all__ = [
    "AccountBalance",
    "BillItem",
    "CollectionTask",
    "CustomerBill",
    "DunningAction",
    "DunningCase",
    "DunningCreditBand",
    "DunningPhase",
    "DunningRule",
    "FeedBatch",
    "FeedRejection",
    "Instalment",
    "InstalmentPlan",
    "OnlinePayment",
    "Payment",
    "PromiseToPay",
    "UsageDaily",
    "UsageMonthly",
    "UsageRecord",
    "WriteOff",
]
