"""Models of the analytical CRM (分析型CRM): jobs and their chunks, the feature store, the model registry, churn
scores, fraud rules and alerts, segment profiles and credit scores. Demo truth labels are for evaluation only."""

from .campaigns import Campaign, CampaignMember
from .credit import CreditScore
from .features import CustomerFeatures
from .fraud import FraudAlert, FraudRule
from .jobs import AnalyticsJob, JobChunk
from .marts import (
    ArrearsMonthly,
    BacklogAgeing,
    CellDaily,
    CompetitorMonthly,
    CompetitorShift,
    ConsumptionMonthly,
    CustomerBaseMonthly,
    LevelMigrationMonthly,
    MartRefresh,
    NumberRange,
    RevenueMonthly,
    SatisfactionMonthly,
    TicketDaily,
    UsageHourly,
    WorkOrderDaily,
)
from .registry import ModelVersion
from .reports import ReportDelivery, ReportSubscription
from .scores import ChurnScore
from .segments import SegmentProfile
from .simulation import OfferProposal, SimulationResult
from .truth import DemoTruthLabel

__all__ = [
    "AnalyticsJob",
    "ArrearsMonthly",
    "BacklogAgeing",
    "Campaign",
    "CampaignMember",
    "CellDaily",
    "ChurnScore",
    "CompetitorMonthly",
    "CompetitorShift",
    "ConsumptionMonthly",
    "CreditScore",
    "CustomerBaseMonthly",
    "CustomerFeatures",
    "DemoTruthLabel",
    "FraudAlert",
    "FraudRule",
    "JobChunk",
    "LevelMigrationMonthly",
    "MartRefresh",
    "ModelVersion",
    "NumberRange",
    "OfferProposal",
    "ReportDelivery",
    "ReportSubscription",
    "RevenueMonthly",
    "SatisfactionMonthly",
    "SegmentProfile",
    "SimulationResult",
    "TicketDaily",
    "UsageHourly",
    "WorkOrderDaily",
]
