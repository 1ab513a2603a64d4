"""The leads' vocabularies that stored messages name by value (common/messages.py): a
stage, a channel, a sector … shown with its label in the reader's language."""

from common.messages import define_choices
from leads.models import (
    Activity,
    Channel,
    ConversionAction,
    Feedback,
    IntentTier,
    Lead,
    LostReason,
    Sector,
)

define_choices("stage", Lead.Stage)
define_choices("channel", Channel)
define_choices("sector", Sector)
define_choices("intent_tier", IntentTier)
define_choices("activity", Activity.Kind)
define_choices("conversion", ConversionAction)
define_choices("disposition", Feedback.Disposition)
define_choices("no_fit_reason", Feedback.NoFitReason)
define_choices("confirmed_fact", {name: Feedback._meta.get_field(name).verbose_name for name in Feedback.FACT_FIELDS})
define_choices("lost_reason", LostReason)
