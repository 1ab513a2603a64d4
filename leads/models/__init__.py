"""The lead and what happens to it: companies, teams, people, their activities, their way
through the funnel and sales' follow-up. One module per part; import from here."""

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
from leads.models.rollup import CohortRollup, LeadTimeRollup, RolledUpLead

__all__ = [
    "Activity", "Channel", "CohortRollup", "Company", "ContactAttempt", "ConversionAction", "Feedback",
    "IllegalTransition", "IntentTier", "Lead", "LeadChange", "LeadTimeRollup", "LeadQuerySet", "LostReason", "RecordedChange", "RolledUpLead",
    "Sector", "StageChange", "Team", "Temperature", "conversion_of",
]
