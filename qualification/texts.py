"""The qualification's stored texts: a score's explanation, why a lead became an MQL (what
tipped it), went to nurture or was disqualified, as codes put into words when read
(common/messages.py). The English text is the msgid: its Dutch translation is in the .po."""

import re

from django.utils.translation import gettext_lazy as _

from common.messages import define, define_choices, define_rule
from qualification.vocabulary import DisqualifierKind

define_choices("disqualifier", DisqualifierKind)

define({
    # The thresholds, as the explanation and the stage history show them.
    "score.fit_vs": _("fit %(fit)s %(sign)s %(threshold)s"),
    "score.fit_and_engagement_vs": _("fit %(fit)s %(fit_sign)s %(fit_threshold)s, engagement %(engagement)s %(sign)s %(threshold)s"),
    # The explanation's lines that are not a rule's own label.
    "score.decay": _("No activity for %(days)s days"),
    "score.customer": _("Existing customer: for account management"),
    "score.tier": _("%(tier)s: %(note)s (%(thresholds)s)"),
    "score.fit_alone": _("straight to sales on fit alone"),
    "score.nurture_only": _("nurture only"),
    "score.gone_quiet": _("request gone quiet: needs engagement too"),
    "score.both": _("MQL when fit and engagement thresholds hold"),
    "score.too_small": _("%(kind)s %(value)s"),
    # A minutes rule, as its explanation line reads (points once the time adds up).
    "score.minutes_on_site": _("%(minutes)s+ minutes on the website"),
    "score.minutes_on_site_within": _("%(minutes)s+ minutes on the website within %(days)s days"),
    "score.minutes_on_site_of_kind": _("%(minutes)s+ minutes on the website (%(kind)s)"),
    "score.minutes_on_site_of_kind_within": _("%(minutes)s+ minutes on the website (%(kind)s) within %(days)s days"),
    "score.labelled_rule": _("%(label)s: %(rule)s"),
    # Why the lead moved.
    "decision.nurture": _("Not (yet) an MQL: %(thresholds)s"),
    "decision.for_account_management": _("%(thresholds)s — existing customer: for account management"),
    "decision.tipped_by": _("%(reason)s — tipped by: %(activity)s (%(when)s)"),
    "decision.activity": _("%(kind)s “%(title)s”"),
    "decision.no_longer_disqualified": _("No longer disqualified: the facts changed (%(thresholds)s)"),
    "decision.policy_rule": _("qualification policy v%(version)s"),
    "decision.straight_to_sales": _("high intent: straight to sales"),
})
# The rule name of a high-intent lead that skips MQL and goes straight to SQL (the demo's).
STRAIGHT_TO_SALES_RULE = "high intent: straight to sales"
# How a stage change made by a policy names its rule (PolicySnapshot.rule_name).
define_rule(r"qualification policy v(?P<version>\d+)", "decision.policy_rule")
define_rule(re.escape(STRAIGHT_TO_SALES_RULE), "decision.straight_to_sales")
