"""The 10000 call centre: calls and their reasons, trouble tickets with first-contact ownership, outages,
callbacks, and the knowledge base."""

from .calls import Call, ReasonCategory
from .knowledge import KnowledgeArticle, KnowledgeCategory
from .tickets import Callback, Outage, TicketOwnerChange, TicketStatusChange, TroubleTicket

__all__ = [
    "Call",
    "Callback",
    "KnowledgeArticle",
    "KnowledgeCategory",
    "Outage",
    "ReasonCategory",
    "TicketOwnerChange",
    "TicketStatusChange",
    "TroubleTicket",
]
