"""The lead and what happens to it: companies, teams, people, their activities, their way
through the funnel and sales' follow-up. One module per part; import from here."""

from leads.models.account import AccountEvent, ChurnReason
from leads.models.activity import Activity, ConversionAction, conversion_of
from leads.models.campaign import (
    Campaign,
    ChannelSourceOwner,
    campaign_named,
    default_source_owner,
    source_owner_defaults,
)
from leads.models.choices import Channel, IntentTier, LostReason, SourceOwner, Temperature
from leads.models.company import Company, Sector, Team
from leads.models.followup import ContactAttempt, Feedback, LeadChange
from leads.models.lead import (
    IllegalTransition,
    Lead,
    LeadQuerySet,
    RecordedChange,
    StageChange,
)
from leads.models.rollup import (
    ActivityLeadTimeRollup,
    ActivityRollup,
    ActivitySpeedRollup,
    CohortRollup,
    LeadTimeRollup,
    ReviewRollup,
    ReviewTimeRollup,
    RolledUpLead,
    SpeedRollup,
    StageRollup,
)

__all__ = [
    "AccountEvent", "Activity", "ActivityLeadTimeRollup", "ActivityRollup", "ActivitySpeedRollup", "Campaign", "Channel", "ChannelSourceOwner", "ChurnReason", "CohortRollup", "Company", "ContactAttempt",
    "ConversionAction", "Feedback",
    "IllegalTransition", "IntentTier", "Lead", "LeadChange", "LeadQuerySet", "LeadTimeRollup", "LostReason", "RecordedChange", "ReviewRollup", "ReviewTimeRollup", "RolledUpLead", "SpeedRollup", "StageRollup",
    "Sector", "SourceOwner", "StageChange", "Team", "Temperature", "campaign_named", "conversion_of",
    "default_source_owner", "source_owner_defaults",
]
