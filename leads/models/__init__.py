"""The lead and what happens to it: companies, teams, people, their activities, their way
through the funnel and sales' follow-up. One module per part; import from here."""

from leads.models.account import AccountEvent, ChurnReason
from leads.models.company import Company, Sector, Team
from leads.models.followup import ContactAttempt, Feedback, LeadChange
from leads.models.lead import (
    Activity,
    Channel,
    ConversionAction,
    IllegalTransition,
    IntentTier,
    Lead,
    LeadQuerySet,
    LostReason,
    RecordedChange,
    StageChange,
    Temperature,
    conversion_of,
)

__all__ = [
    "AccountEvent", "Activity", "ChurnReason", "Channel", "Company", "ContactAttempt", "ConversionAction", "Feedback",
    "IllegalTransition", "IntentTier", "Lead", "LeadChange", "LeadQuerySet", "LostReason", "RecordedChange",
    "Sector", "StageChange", "Team", "Temperature", "conversion_of",
]
