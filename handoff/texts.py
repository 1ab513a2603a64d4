"""The handoff's stored texts: routing traces (which rule, whose turn, who was away, which
deputy), assignment reasons and SLA reasons, as codes put into words when read
(common/messages.py). The English text is the msgid: its Dutch translation is in the .po."""

from django.utils.translation import gettext_lazy as _

from common.messages import define, define_choices, define_rule
from handoff.models import Assignment, SlaClock

define_choices("clock", SlaClock.Kind)
define_choices("assignment", Assignment.Kind)

define({
    # One criterion of a routing rule: what matched, or why not.
    "routing.country": _("country %(value)s"),
    "routing.country_not": _("country %(value)s is not %(wanted)s"),
    "routing.region": _("region %(value)s"),
    "routing.region_not": _("region %(value)s is not %(wanted)s"),
    "routing.postcode": _("postcode %(value)s starts with %(prefix)s"),
    "routing.postcode_not": _("postcode %(value)s does not start with %(wanted)s"),
    "routing.sector": _("sector %(value)s"),
    "routing.sector_not": _("sector %(value)s is not one of the rule's"),
    "routing.employees": _("%(value)s employees (%(wanted)s)"),
    "routing.employees_not": _("size %(value)s is outside %(wanted)s"),
    "routing.interest": _("interested in %(value)s"),
    "routing.interest_not": _("product interest %(value)s does not mention %(wanted)s"),
    "routing.channel": _("channel %(value)s"),
    "routing.channel_not": _("channel %(value)s is not one of the rule's"),
    "routing.tier_not": _("intent tier %(value)s is not one of the rule's"),
    "routing.customer": _("existing customer"),
    "routing.not_customer": _("not a customer yet"),
    "routing.is_customer": _("is an existing customer"),
    "routing.is_not_customer": _("is not an existing customer"),
    "routing.every_lead": _("matches every lead"),
    # Whose turn it is.
    "routing.away": _("%(name)s is away"),
    "routing.at_cap": _("%(name)s is at the cap of %(cap)s open leads"),
    "routing.team_empty": _("team %(team)s has no active members"),
    "routing.team_takes_none": _("nobody in team %(team)s takes leads"),
    "routing.team_nobody": _("nobody in team %(team)s can take it: %(notes)s"),
    "routing.turn": _("round robin in team %(team)s: it is %(name)s's turn"),
    "routing.turn_passing": _("round robin in team %(team)s: it is %(name)s's turn (%(notes)s)"),
    "routing.no_account_manager": _("the company has no active account manager"),
    "routing.account_manager": _("account manager %(name)s"),
    "routing.account_deputy": _("account manager %(name)s is away; their deputy %(deputy)s takes it"),
    "routing.account_nobody": _("account manager %(name)s is away, with no deputy present and no team"),
    "routing.account_team": _("account manager %(name)s is away, with no deputy present; %(note)s"),
    "routing.inactive": _("%(name)s is no longer active"),
    "routing.by_name": _("assigned to %(name)s by name"),
    "routing.fallback": _("no rule placed the lead; the fallback owner takes it"),
    "routing.fallback_deputy": _("no rule placed the lead; fallback owner %(name)s is away, their deputy %(deputy)s takes it"),
    "routing.fallback_away": _("no rule placed the lead and fallback owner %(name)s is away, with no deputy present"),
    "routing.no_manager": _("no rule placed the lead, no fallback owner is set and no sales manager is present"),
    "routing.first_manager": _("no rule placed the lead and no active fallback owner is set; the first sales manager present takes it"),
    # A rule's line in the trace, and the decision.
    "routing.passed_over": _("rule “%(rule)s”: %(note)s"),
    "routing.matched_but": _("%(why)s; but %(note)s"),
    "routing.matched": _("%(why)s; %(note)s"),
    "routing.rule": _("Rule “%(rule)s”: %(why)s; %(note)s."),
    "routing.stays": _("No rule placed the lead; it stays with %(name)s, who already owns it."),
    "routing.fallback_decision": _("Fallback: %(note)s."),
    "routing.unassigned": _("Nobody who could take it is present (%(why)s): the lead waits in the unassigned queue."),
    # The SLA.
    "sla.passed_on": _("%(owner)s missed the deadline (%(clock)s); the SLA policy passes the lead on."),
    "sla.not_reached": _("not reached after %(n)s attempts"),
    "sla.rule": _("SLA policy"),
    "agreement.rule": _("follow-up agreement"),
    "agreement.stalled": _("no progress with sales for %(days)s days"),
})
# How clocks.return_unreached() and the follow-up agreement name themselves in the history.
define_rule(r"SLA policy|SLA-afspraak", "sla.rule")  # the second: written in Dutch before codes
define_rule(r"follow-up agreement", "agreement.rule")
