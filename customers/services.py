"""Writes about customers. Revealing personal data is an audited act, so it is a service too."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit.models import AuditEntry
from crm.audit.services import audit_personal_data_view, audit_record

from . import levels
from .models import (
    PUBLIC_LEVELS,
    AccountVisit,
    BillingAccount,
    CommunicationPlan,
    ContactMedium,
    Customer,
    KeyAccountContract,
    MarketingChannel,
    Party,
    PartyInteraction,
    ServiceLevel,
    ServiceLevelChange,
)
from .services_privacy import AnonymizeRefused, party_anonymize  # noqa: F401 - erasure at the customer's request


def personal_data_reveal(*, customer: Customer, actor, purpose: str = "") -> dict[str, str]:
    """Return the unmasked ID-card number and phone numbers of a customer, and record that ``actor`` saw them."""
    if not actor.has_perm("accounts.reveal_personal_data"):
        raise PermissionError("This role may not reveal personal data")
    party = customer.party
    phones = [c.value for c in party.contact_media.all() if c.kind == "phone"]
    revealed = {"id_number": party.id_number or party.credit_code or "", "phones": ", ".join(phones)}
    audit_personal_data_view(obj=customer, fields=["id_number", "phone"], purpose=purpose, actor=actor)
    return revealed


# Contacts that are marketing: refused in a channel the customer opted out of (service contacts are not).
MARKETING_INTERACTIONS = frozenset({"marketing", "campaign", "offer"})


class MarketingOptedOut(ValueError):
    """The customer opted out of marketing in this channel."""


@transaction.atomic
def interaction_record(
    *,
    customer: Customer,
    channel: str,
    interaction_type: str,
    staff=None,
    direction: str = PartyInteraction.Direction.INBOUND,
    reason: str = "",
    description: str = "",
    status: str = PartyInteraction.Status.COMPLETED,
    related_entities: list[dict] | None = None,
    occurred_at=None,
) -> PartyInteraction:
    """Append one contact to the customer's timeline; every channel records its contacts through here."""
    if channel not in PartyInteraction.Channel.values:
        raise ValueError(f"Unknown channel {channel!r}")
    if interaction_type in MARKETING_INTERACTIONS and direction == PartyInteraction.Direction.OUTBOUND:
        from .selectors import marketing_contact_allowed

        if not marketing_contact_allowed(customer, channel):
            raise MarketingOptedOut(f"The customer refuses marketing by {channel}")
    interaction = PartyInteraction(
        customer=customer,
        channel=channel,
        direction=direction,
        interaction_type=interaction_type[:32],
        reason=reason[:200],
        description=description,
        status=status,
        staff=staff,
        related_entities=related_entities or [],
        occurred_at=occurred_at or timezone.now(),
    )
    # Field and choice validation in Python; the two check constraints repeat the choices and the foreign keys
    # arrive as instances, and the database enforces both, so no query per constraint or key (5-8 per contact).
    interaction.full_clean(exclude=["customer", "staff"], validate_constraints=False)
    interaction.save()
    from . import events

    events.party_interaction_event(interaction, "Create")
    return interaction


# --- Service levels (服务等级) -------------------------------------------------------------------------


class LevelPinError(ValueError):
    """A pin that breaks a rule (level not for this class, no reason, role may not pin)."""


@transaction.atomic
def service_level_pin(*, customer: Customer, level: str, reason: str, actor) -> Customer:
    """Fix a customer's level by hand with a reason; the monthly job leaves pinned levels alone. Audited."""
    if not actor.has_perm("accounts.approve_sensitive"):
        raise PermissionError("Only managers may pin a service level")
    reason = reason.strip()
    if not reason:
        raise LevelPinError(_("A reason is required to pin a level."))
    if (level in PUBLIC_LEVELS) != (customer.customer_class == Customer.CustomerClass.PUBLIC):
        raise LevelPinError(_("Level %(level)s is not a level of this customer class.") % {"level": level})
    if level not in ServiceLevel.values:
        raise LevelPinError(_("Unknown level %(level)s.") % {"level": level})
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    previous = customer.service_level
    customer.service_level, customer.service_level_pinned = level, True
    customer.service_level_pin_reason = reason[:255]
    customer.save(update_fields=["service_level", "service_level_pinned", "service_level_pin_reason"])  # audited
    ServiceLevelChange.objects.create(
        customer=customer, from_level=previous, to_level=level, source=ServiceLevelChange.Source.PINNED,
        reason=reason[:255], actor=actor,
    )  # fmt: skip
    _publish_customer_change(customer)
    return customer


@transaction.atomic
def service_level_unpin(*, customer: Customer, actor, reason: str = "") -> Customer:
    """Hand the level back to the monthly recomputation (the level itself changes at the next run)."""
    if not actor.has_perm("accounts.approve_sensitive"):
        raise PermissionError("Only managers may release a pinned service level")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if not customer.service_level_pinned:
        return customer
    customer.service_level_pinned, customer.service_level_pin_reason = False, ""
    customer.save(update_fields=["service_level_pinned", "service_level_pin_reason"])
    ServiceLevelChange.objects.create(
        customer=customer, from_level=customer.service_level, to_level=customer.service_level,
        source=ServiceLevelChange.Source.UNPINNED, reason=reason[:255], actor=actor,
    )  # fmt: skip
    return customer


@dataclass
class LevelRecomputeResult:
    examined: int = 0
    changed: int = 0
    pinned_skipped: int = 0
    by_level: dict[str, int] = field(default_factory=dict)


def service_levels_recompute(
    *, today: datetime.date | None = None, batch_size: int = 5000, progress=None
) -> LevelRecomputeResult:
    """Recompute every unpinned active customer's level from the thresholds table (the monthly job).

    Works in batches of ``batch_size`` customers, each in its own transaction, so a million customers
    never sit in memory or in one long transaction; changed levels are written with one UPDATE per batch
    and a history row each. ``progress(done, total)`` is called after each batch.
    """
    today = today or timezone.localdate()
    rules = levels.level_rules()
    result = LevelRecomputeResult()
    candidates = Customer.objects.filter(status__in=["active", "suspended"])
    result.pinned_skipped = candidates.filter(service_level_pinned=True).count()
    unpinned = candidates.filter(service_level_pinned=False)
    total = unpinned.count()
    last_id = 0
    while True:
        batch = list(
            unpinned.filter(id__gt=last_id)
            .order_by("id")
            .values_list("id", "customer_class", "service_level", "since", "credit_rating")[:batch_size]
        )
        if not batch:
            break
        last_id = batch[-1][0]
        ids = [row[0] for row in batch]
        spend = levels.average_monthly_spend(ids)
        arrears = dict(
            BillingAccount.objects.filter(customer_id__in=ids)
            .values("customer_id")
            .annotate(total=Sum("arrears_amount"))
            .values_list("customer_id", "total")
        )
        changes: list[tuple[int, str, str]] = []
        for customer_id, customer_class, current, since, credit in batch:
            level = levels.level_for(
                rules.get(customer_class, []),
                avg_monthly_spend=spend.get(customer_id, Decimal(0)),
                tenure_months=levels.tenure_months(since, today),
                credit_rating=credit,
                arrears=arrears.get(customer_id) or Decimal(0),
            )
            if level is None:
                continue
            result.by_level[level] = result.by_level.get(level, 0) + 1
            if level != current:
                changes.append((customer_id, current, level))
        _write_level_changes(changes)
        result.examined += len(batch)
        result.changed += len(changes)
        if progress is not None:
            progress(result.examined, total)
    return result


@transaction.atomic
def _write_level_changes(changes: list[tuple[int, str, str]]) -> None:
    if not changes:
        return
    by_target: dict[str, list[int]] = {}
    for customer_id, _old, new in changes:
        by_target.setdefault(new, []).append(customer_id)
    for level, ids in by_target.items():
        # Re-check "not pinned" in the UPDATE: a manager may have pinned the customer since the batch was read.
        Customer.objects.filter(id__in=ids, service_level_pinned=False).update(service_level=level)
    ServiceLevelChange.objects.bulk_create(
        ServiceLevelChange(customer_id=customer_id, from_level=old, to_level=new,
                           source=ServiceLevelChange.Source.COMPUTED)
        for customer_id, old, new in changes
    )  # fmt: skip


def _publish_customer_change(customer: Customer) -> None:
    from . import events

    events.customer_event(customer, "AttributeValueChange")


# --- Consent (营销免打扰) --------------------------------------------------------------------------------


@transaction.atomic
def marketing_opt_outs_set(
    *, customer: Customer, channels: list[str], actor=None, interaction_channel: str | None = None
) -> Customer:
    """Record the channels a customer does not want marketing in (audited through the model's audit hook); with
    ``interaction_channel`` (where the customer asked, e.g. the portal) a change also goes on their timeline."""
    unknown = sorted(set(channels) - set(MarketingChannel.values))
    if unknown:
        raise ValueError(f"Unknown marketing channel(s): {', '.join(unknown)}")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    before = sorted(customer.marketing_opt_outs or [])
    customer.marketing_opt_outs = sorted(set(channels))
    customer.save(update_fields=["marketing_opt_outs"])
    if interaction_channel and before != customer.marketing_opt_outs:
        interaction_record(
            customer=customer, channel=interaction_channel, interaction_type="consent", staff=actor,
            reason="marketing opt-outs: " + (", ".join(customer.marketing_opt_outs) or "none"),
            description=f"before: {', '.join(before) or 'none'}",
        )  # fmt: skip
    _publish_customer_change(customer)
    return customer


# --- Cross-region lookup (跨地市查询) --------------------------------------------------------------------

CROSS_REGION_GRANT_MINUTES = 30


def cross_region_lookup(*, actor, query: str, reason: str) -> list[Customer]:
    """Find customers in any region by an exact key (service number, ID number, customer/account number,
    credit code) for a stated reason; audited whether or not anything is found. Names are not accepted:
    browsing another region is exactly what the lookup must not allow."""
    from .selectors import customer_search_everywhere

    if not actor.has_perm("accounts.cross_region_lookup"):
        raise PermissionError("This role may not look up customers of other regions")
    reason = reason.strip()
    if len(reason) < 4:
        raise ValueError(_("Give the reason for the lookup (at least 4 characters)."))
    found = customer_search_everywhere(query)
    audit_record(
        action=AuditEntry.Action.CROSS_REGION_LOOKUP,
        object_type="customers.customer",
        object_id=",".join(c.customer_no for c in found)[:64],
        object_repr=query[:200],
        changes={"query": query[:64], "found": [c.customer_no for c in found]},
        detail=reason,
        actor=actor,
    )
    return found


# --- Key accounts (政企客户经理) ---------------------------------------------------------------------------


def _require_key_account(customer: Customer) -> None:
    if customer.customer_class != Customer.CustomerClass.KEY_ACCOUNT:
        raise ValueError(_("Contracts, visits and communication plans are for key accounts only."))


@transaction.atomic
def account_visit_record(*, customer: Customer, visitor, **fields) -> AccountVisit:
    """Log a visit (走访) and put it on the customer's timeline; a plan due for this channel moves on."""
    _require_key_account(customer)
    visit = AccountVisit(customer=customer, visitor=visitor, **fields)
    visit.full_clean()
    visit.save()
    interaction_record(
        customer=customer, channel=PartyInteraction.Channel.FIELD, interaction_type="visit",
        direction=PartyInteraction.Direction.OUTBOUND, reason=visit.purpose, description=visit.summary,
        staff=visitor, related_entities=[{"@referredType": "AccountVisit", "id": str(visit.pk)}],
        occurred_at=visit.visited_at,
    )  # fmt: skip
    for plan in CommunicationPlan.objects.select_for_update().filter(
        customer=customer, is_active=True, channel=PartyInteraction.Channel.FIELD,
        next_due_on__lte=timezone.localtime(visit.visited_at).date() + datetime.timedelta(days=7),
    ):  # fmt: skip
        plan.next_due_on = _next_due(plan.frequency, timezone.localtime(visit.visited_at).date())
        plan.save(update_fields=["next_due_on"])
    return visit


def _next_due(frequency: str, after: datetime.date) -> datetime.date:
    days = {"weekly": 7, "monthly": 30, "quarterly": 91, "yearly": 365}[frequency]
    return after + datetime.timedelta(days=days)


@transaction.atomic
def communication_plan_save(*, customer: Customer, owner, plan: CommunicationPlan | None = None, **fields):
    _require_key_account(customer)
    plan = plan or CommunicationPlan(customer=customer, owner=owner)
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def contract_save(*, customer: Customer, actor, contract: KeyAccountContract | None = None, **fields):
    """Create or change a key-account contract; its SLA level must be a key-account level."""
    _require_key_account(customer)
    contract = contract or KeyAccountContract(customer=customer, signed_by=actor)
    for name, value in fields.items():
        setattr(contract, name, value)
    contract.full_clean()
    contract.save()
    return contract


@dataclass
class ContractSweepResult:
    expired: int = 0
    reminded: list[int] = field(default_factory=list)


@transaction.atomic
def contracts_sweep(*, today: datetime.date | None = None) -> ContractSweepResult:
    """The daily contract job: expire contracts past their end, and mark those entering their reminder
    window so the account manager sees "renewal due" (once per contract)."""
    today = today or timezone.localdate()
    result = ContractSweepResult()
    result.expired = KeyAccountContract.objects.filter(status="active", end_date__lt=today).update(status="expired")
    due = (
        KeyAccountContract.objects.select_for_update()
        .filter(status="active", reminded_at__isnull=True, end_date__gte=today)
        .select_related("customer")
    )
    now = timezone.now()
    for contract in due:
        if contract.end_date - datetime.timedelta(days=contract.remind_days_before_end) > today:
            continue
        contract.reminded_at = now
        contract.save(update_fields=["reminded_at"])
        interaction_record(
            customer=contract.customer, channel=PartyInteraction.Channel.SYSTEM, interaction_type="renewal_due",
            direction=PartyInteraction.Direction.OUTBOUND, status=PartyInteraction.Status.OPEN,
            reason=f"{contract.contract_no} {contract.end_date:%Y-%m-%d}",
            staff=contract.customer.account_manager,
            related_entities=[{"@referredType": "KeyAccountContract", "id": str(contract.pk)}],
        )  # fmt: skip
        result.reminded.append(contract.pk)
    return result


# --- Parties, customers and accounts (the TMF629/632/666 writes) --------------------------------------------


class DuplicateIdentifier(Exception):
    """The ID-card number, credit code or account number is already registered."""


CUSTOMER_TRANSITIONS = {
    "prospect": {"active", "churned"},
    "active": {"suspended", "churned"},
    "suspended": {"active", "churned"},
    "churned": set(),
}
ACCOUNT_TRANSITIONS = {"active": {"suspended", "closed"}, "suspended": {"active", "closed"}, "closed": set()}


def _contact_rows(party, media: list[dict]) -> list[ContactMedium]:
    return [
        ContactMedium(party=party, kind=m["kind"], value=m["value"][:255], is_preferred=m.get("preferred", False))
        for m in media
    ]


@transaction.atomic
def party_create(*, kind: str, name: str, id_number: str = "", credit_code: str = "", gender: str = "",
                 birth_date=None, industry: str = "", contact_media: list[dict] | None = None) -> Party:  # fmt: skip
    """Register a person (valid ID-card number) or an organisation (valid credit code); duplicates are refused."""
    from . import events
    from .identity import credit_code_problem, id_number_problem

    if kind == Party.Kind.INDIVIDUAL:
        id_number = id_number.strip().upper()
        problem = id_number_problem(id_number)
        if problem:
            raise ValueError(f"individualIdentification: {problem}")
        if Party.objects.filter(id_number=id_number).exists():
            raise DuplicateIdentifier("An individual with this ID-card number is already registered")
        party = Party(kind=kind, name=name, id_number=id_number, gender=gender, birth_date=birth_date)
    else:
        credit_code = credit_code.strip().upper()
        problem = credit_code_problem(credit_code)
        if problem:
            raise ValueError(f"organizationIdentification: {problem}")
        if Party.objects.filter(credit_code=credit_code).exists():
            raise DuplicateIdentifier("An organization with this unified social credit code is already registered")
        party = Party(kind=kind, name=name, credit_code=credit_code, industry=industry[:64])
    try:
        with transaction.atomic():
            party.save()
    except IntegrityError as exc:  # a concurrent registration of the same identifier
        raise DuplicateIdentifier("This identifier was registered at the same moment by someone else") from exc
    ContactMedium.objects.bulk_create(_contact_rows(party, contact_media or []))
    events.party_event(party, "Create")
    return party


@transaction.atomic
def party_update(*, party: Party, name: str, contact_media: list[dict] | None = None) -> Party:
    """Change a party's name and (when given) replace its contact media; identifiers never change."""
    from . import events

    party = Party.objects.select_for_update().get(pk=party.pk)
    party.name = name.strip()[:128]
    party.save(update_fields=["name"])
    if contact_media is not None:
        party.contact_media.all().delete()
        ContactMedium.objects.bulk_create(_contact_rows(party, contact_media))
    events.party_event(party, "AttributeValueChange")
    return party


@transaction.atomic
def customer_create(*, party: Party, region, status: str = "active", customer_class: str | None = None,
                    service_level: str | None = None, account_manager=None, segment: str = "") -> Customer:  # fmt: skip
    """A party becomes a customer: public for individuals, key account for organisations unless told."""
    from . import events

    customer_class = customer_class or ("public" if party.kind == Party.Kind.INDIVIDUAL else "key_account")
    level = service_level or ("basic" if customer_class == "public" else "5B")
    if (level in PUBLIC_LEVELS) != (customer_class == "public"):
        raise ValueError(f"serviceLevel {level} is not a level of class {customer_class}")
    if status not in ("prospect", "active"):
        raise ValueError("A new customer is a prospect or active")
    customer = Customer.objects.create(
        customer_no=_next_number("C"), party=party, customer_class=customer_class, status=status, region=region,
        service_level=level, account_manager=account_manager, segment=segment[:64],
        since=timezone.localdate() if status == "active" else None,
    )  # fmt: skip
    Customer.objects.filter(pk=customer.pk).update(customer_no=f"C{customer.pk:011d}")
    customer.refresh_from_db()
    events.customer_event(customer, "Create")
    return customer


def _next_number(prefix: str) -> str:
    """A unique placeholder until the row's id gives the real number (C/A + 11 digits of the id)."""
    import uuid

    return f"{prefix}-{uuid.uuid4().hex[:17]}"


@transaction.atomic
def customer_update(*, customer: Customer, status: str | None = None, status_reason: str = "",
                    segment: str | None = None, marketing_opt_outs: list[str] | None = None) -> Customer:  # fmt: skip
    """Change a customer's status (along its lifecycle), segment or opt-outs, publishing the matching events."""
    from . import events

    customer = Customer.objects.select_for_update().select_related("party", "region").get(pk=customer.pk)
    state_changed = status is not None and status != customer.status
    if state_changed and status not in CUSTOMER_TRANSITIONS[customer.status]:
        raise ValueError(f"A {customer.status} customer cannot become {status}")
    changed = []
    if state_changed:
        customer.status = status
        if status == "active" and customer.since is None:
            customer.since = timezone.localdate()
        changed += ["status", "since"]
    if segment is not None and segment != customer.segment:
        customer.segment = segment[:64]
        changed.append("segment")
    if marketing_opt_outs is not None and sorted(set(marketing_opt_outs)) != sorted(customer.marketing_opt_outs):
        unknown = sorted(set(marketing_opt_outs) - set(MarketingChannel.values))
        if unknown:
            raise ValueError(f"Unknown marketing channel(s): {', '.join(unknown)}")
        customer.marketing_opt_outs = sorted(set(marketing_opt_outs))
        changed.append("marketing_opt_outs")
    if changed:
        customer.save(update_fields=changed)
    if state_changed:
        if status_reason:
            interaction_record(customer=customer, channel=PartyInteraction.Channel.SYSTEM, interaction_type="status",
                               reason=f"{status}: {status_reason}"[:200])  # fmt: skip
        events.customer_event(customer, "StateChange")
    elif changed:
        events.customer_event(customer, "AttributeValueChange")
    return customer


@transaction.atomic
def billing_account_create(*, customer: Customer, account_no: str, credit_limit=None, payment_method: str = "cash",
                           bill_cycle_day: int = 1) -> BillingAccount:  # fmt: skip
    """Open a billing account under the number the billing system gave it (the billing system owns numbers)."""
    from . import events

    if BillingAccount.objects.filter(account_no=account_no).exists():
        raise DuplicateIdentifier(f"Billing account {account_no} already exists")
    account = BillingAccount(customer=customer, account_no=account_no, payment_method=payment_method,
                             bill_cycle_day=bill_cycle_day, credit_limit=credit_limit or 0)  # fmt: skip
    account.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as exc:
        raise DuplicateIdentifier(f"Billing account {account_no} already exists") from exc
    events.billing_account_event(account, "Create")
    return account


@transaction.atomic
def billing_account_update(*, account: BillingAccount, status: str, credit_limit, payment_method: str,
                           bill_cycle_day: int) -> BillingAccount:  # fmt: skip
    from . import events

    account = BillingAccount.objects.select_for_update().select_related("customer__party").get(pk=account.pk)
    state_changed = status != account.status
    if state_changed and status not in ACCOUNT_TRANSITIONS[account.status]:
        raise ValueError(f"A {account.status} account cannot become {status}")
    before = (account.credit_limit, account.payment_method, account.bill_cycle_day)
    account.status, account.credit_limit = status, credit_limit
    account.payment_method, account.bill_cycle_day = payment_method, bill_cycle_day
    account.full_clean(validate_unique=False)
    account.save()
    if state_changed:
        events.billing_account_event(account, "StateChange")
    if before != (account.credit_limit, account.payment_method, account.bill_cycle_day):
        events.billing_account_event(account, "AttributeValueChange")
    return account


@transaction.atomic
def party_interaction_update(*, interaction: PartyInteraction, status: str, description: str) -> PartyInteraction:
    from . import events

    interaction = PartyInteraction.objects.select_for_update().get(pk=interaction.pk)
    state_changed = status != interaction.status
    if state_changed and interaction.status == PartyInteraction.Status.COMPLETED:
        raise ValueError("A completed interaction cannot be reopened; record a new one")
    described = description != interaction.description
    interaction.status, interaction.description = status, description
    interaction.save(update_fields=["status", "description"])
    if state_changed:
        events.party_interaction_event(interaction, "StateChange")
    if described:
        events.party_interaction_event(interaction, "AttributeValueChange")
    return interaction
