"""Models of the analytical CRM (分析型CRM): jobs and their chunks, the feature store, the model registry, churn
scores, fraud rules and alerts, segment profiles and credit scores. Demo truth labels are for evaluation only."""

from .credit import CreditScore
from .features import CustomerFeatures
from .fraud import FraudAlert, FraudRule
from .jobs import AnalyticsJob, JobChunk
from .registry import ModelVersion
from .scores import ChurnScore
from .segments import SegmentProfile
from .truth import DemoTruthLabel

__all__ = [
    "AnalyticsJob",
    "ChurnScore",
    "CreditScore",
    "CustomerFeatures",
    "DemoTruthLabel",
    "FraudAlert",
    "FraudRule",
    "JobChunk",
    "ModelVersion",
    "SegmentProfile",
]
