"""python manage.py seeddemo [--leads 5000] [--until 2026-11-22]: the demo data set."""

from datetime import datetime, time
from datetime import timezone as dt_timezone

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from common.bulk import TableWriter, next_id, reset_sequences
from common.business_time import business_time_zone
from common.progress import progress_bar
from common.roles import Role
from demo import story, world
from demo.aftersales import (
    leave_out_some_phone_numbers,
    reassign_some_demo_leads,
    record_demo_account_events,
)
from demo.agreement import agree_demo_targets
from demo.campaigns import ensure_campaigns
from demo.clocks import start_demo_clocks
from demo.notifications import send_demo_notifications
from demo.qualification import demo_policy, score_demo
from handoff.clocks import backfill_first_contact
from handoff.models import HandoffSettings, RotationSeat, RoutingRule, UserAvailability
from leads.models import Activity, Company, ContactAttempt, Feedback, Lead, StageChange, Team
from leads.rollups import held_back as rollups_held_back
from leads.rollups import rebuild as rebuild_rollups
from qualification import stored_reports


class Command(BaseCommand):
    help = (
        "Build the deterministic demo data set: Dutch manufacturers, their leads, activities "
        "and a year of funnel history. Running it again with the same size changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=int, default=5000, help="How many leads (default 5000).")
        parser.add_argument("--seed", type=int, default=2026, help="Another seed, another world.")
        parser.add_argument(
            "--until",
            type=datetime.fromisoformat,
            help="The last day of the demo year, YYYY-MM-DD (default: now).",
        )
        parser.add_argument("--chunk", type=int, default=2000, help="Leads per transaction.")

    def handle(self, *args, leads, seed, until, chunk, verbosity, **options):
        if leads < 1:
            raise CommandError("--leads must be at least 1.")
        if until is None:
            until = timezone.now().replace(microsecond=0)
        else:
            local_end = datetime.combine(until.date(), time(23, 59, 59))
            until = local_end.replace(tzinfo=business_time_zone()).astimezone(dt_timezone.utc)

        user_ids, team_ids = self.ensure_people()
        self.ensure_routing(user_ids, team_ids)
        present = Lead.objects.filter(source_system=world.SOURCE).count()
        if present == leads:
            self.stdout.write(f"The demo data set is already here ({present} leads); nothing to do.")
            with rollups_held_back():
                self.score_leads(until, show_progress=verbosity > 0)
                ensure_campaigns(until=until)
                self.start_clocks(until)
            self.roll_up(show_progress=verbosity > 0)
            self.store_what_converts(until)
            self.print_logins()
            return
        if present:
            self.stdout.write(f"Replacing the demo data set of {present} leads.")
            Lead.objects.filter(source_system=world.SOURCE).delete()

        companies = world.build_companies(max(40, min(60_000, leads // 6)), seed=seed)
        company_ids = self.ensure_companies(companies, user_ids)
        demo_world = story.World(
            seed=seed,
            until=until,
            companies=companies,
            company_ids=company_ids,
            user_ids=user_ids,
            team_ids=team_ids,
            time_zone=business_time_zone(),
            policy=demo_policy(now=until),
        )
        # Written past the rollups (in bulk, and with their upkeep held back in the write
        # functions the demo calls): rebuilt once at the end, with the same result.
        with rollups_held_back():
            self.write_leads(demo_world, leads, chunk, show_progress=verbosity > 0)
            leave_out_some_phone_numbers(seed=seed)
            self.score_leads(until, show_progress=verbosity > 0)
            linked = ensure_campaigns(until=until)
            self.stdout.write(self.style.SUCCESS(f"Demo data set ready: {leads} leads ({linked} linked to a campaign)."))
            self.start_clocks(until)
        self.roll_up(show_progress=verbosity > 0)
        self.store_what_converts(until)
        self.print_logins()

    def store_what_converts(self, until: datetime):
        """The "what converts" page shows a stored report: the demo leaves one (the worker
        computes the next a day later, or when marketing asks)."""
        if stored_reports.newest() is None:
            stored = stored_reports.compute_and_store(until=until, now=timezone.now())
            self.stdout.write(f"What converts: a report over {stored.leads} leads ({stored.duration.total_seconds():.1f} s).")

    def ensure_people(self) -> tuple[dict[str, int], dict[str, int]]:
        User = get_user_model()
        password = make_password(world.PASSWORD)
        users = {}
        for person in world.USERS:
            user, created = User.objects.get_or_create(
                username=person.username,
                defaults={
                    "first_name": person.first_name,
                    "last_name": person.last_name,
                    "email": f"{person.username}@handoff-demo.example",
                    "password": password,
                    "is_staff": person.role == Role.REVOPS_ADMIN,
                    "is_superuser": person.role == Role.REVOPS_ADMIN,
                },
            )
            user.groups.add(Group.objects.get(name=person.role))
            users[person.username] = user
        teams = {}
        for name, kind, manager in world.TEAMS:
            team, _ = Team.objects.get_or_create(
                name=name, defaults={"kind": kind, "manager": users[manager]}
            )
            team.members.add(*[users[u.username] for u in world.USERS if u.team == name])
            teams[name] = team.pk
            for person in world.USERS:
                if person.team == name and not person.takes_leads:
                    RotationSeat.objects.get_or_create(team=team, user=users[person.username], defaults={"takes_leads": False})
        for person in world.USERS:
            if person.deputy:
                UserAvailability.objects.get_or_create(user=users[person.username], defaults={"deputy": users[person.deputy]})
        return {name: user.pk for name, user in users.items()}, teams

    def ensure_companies(self, companies: list[world.DemoCompany], user_ids) -> list[int]:
        """Companies are kept by web domain: a second run finds them instead of adding more."""
        known = dict(Company.objects.exclude(domain="").values_list("domain", "id"))
        account_managers = [user_ids[u.username] for u in world.USERS if u.team == world.TEAM_ACCOUNTS and u.role == Role.SALES_REP]
        missing = [
            Company(
                name=c.name,
                domain=c.domain,
                employees=c.employees,
                sector=c.sector,
                country=c.country,
                region=c.region,
                postcode=c.postcode,
                is_customer=c.is_customer,
                is_competitor=c.is_competitor,
                account_manager_id=account_managers[i % len(account_managers)] if c.is_customer else None,
            )
            for i, c in enumerate(companies)
            if c.domain not in known
        ]
        for company in Company.objects.bulk_create(missing, batch_size=2000):
            known[company.domain] = company.pk
        return [known[c.domain] for c in companies]

    def write_leads(self, world: story.World, count: int, chunk: int, *, show_progress: bool):
        tables = {
            "lead": (Lead, TableWriter(Lead)),
            "activity": (Activity, TableWriter(Activity)),
            "stage_change": (StageChange, TableWriter(StageChange)),
            "attempt": (ContactAttempt, TableWriter(ContactAttempt)),
            "feedback": (Feedback, TableWriter(Feedback)),
        }
        ids = story.IdBlock({name: next_id(model) for name, (model, _) in tables.items()})
        teller = story.StoryTeller(world)
        with progress_bar(self.stderr, total=count, unit="leads", disable=not show_progress) as bar:
            for start in range(0, count, chunk):
                stories = [teller.story(n, ids=ids) for n in range(start, min(count, start + chunk))]
                with transaction.atomic():
                    tables["lead"][1].write([s.lead for s in stories])
                    tables["activity"][1].write([a for s in stories for a in s.activities])
                    tables["stage_change"][1].write([c for s in stories for c in s.stage_changes])
                    tables["attempt"][1].write([a for s in stories for a in s.attempts])
                    tables["feedback"][1].write([f for s in stories for f in s.feedback])
                bar.update(len(stories))
        reset_sequences(*[model for model, _ in tables.values()])

    def ensure_routing(self, user_ids: dict[str, int], team_ids: dict[str, int]):
        """The demo's sales territories as routing rules, after the default rule that sends
        existing customers to their account manager; the North manager is the fallback."""
        for position, team in ((100, world.TEAM_NORTH), (110, world.TEAM_SOUTH)):
            regions = [region for region, _, _, territory, _ in world.REGIONS if territory == team]
            RoutingRule.objects.get_or_create(
                name=team, defaults={"position": position, "regions": regions, "target": "team", "team_id": team_ids[team]}
            )
        settings_row = HandoffSettings.load()
        if settings_row.fallback_owner_id is None:
            settings_row.fallback_owner_id = user_ids["mark"]
            settings_row.save()

    def start_clocks(self, until: datetime):
        """The open MQL and SAL leads get their routing record and real deadlines, under the
        demo's agreement (its targets are what the weekly review judges)."""
        if agree_demo_targets(now=timezone.now()):
            self.stdout.write("The demo's agreement is active: 90 % contacted in time, feedback on 80 %.")
        started = start_demo_clocks(now=until)
        if started:
            self.stdout.write(f"Handed over {started} open leads: SLA clocks running.")
        # The weekly review's response times (the demo writes leads in bulk, past log_attempt).
        backfill_first_contact()
        # The two clocks: when each owner was told.
        send_demo_notifications(now=until)
        # Routing quality: some managers' reassignments; after the sale: the accounts' events.
        reassign_some_demo_leads(now=until)
        record_demo_account_events(now=until)

    def roll_up(self, *, show_progress: bool):
        """The dashboard's rollups, rebuilt: the demo writes leads in bulk, past the write
        functions that keep them up to date, and holds back those functions' upkeep."""
        with progress_bar(self.stderr, unit="leads rolled up", disable=not show_progress) as bar:
            written = rebuild_rollups(Lead.objects, progress=lambda done: bar.update(done - bar.n))
        self.stdout.write(f"Dashboard rollups: {written['cohort_rows']} rows for {written['leads']} leads.")

    def score_leads(self, until, *, show_progress: bool):
        """The active qualification policy and every demo lead's score as of `until`; scores
        only, so the generated stage history keeps its own times. Leads without a score
        (a data set from before the policy existed) get one on the next run."""
        unscored = Lead.objects.filter(source_system=world.SOURCE, scored_at__isnull=True)
        if unscored.exists():
            with progress_bar(self.stderr, total=unscored.count(), unit="scores", disable=not show_progress) as bar:
                score_demo(now=until, progress=bar.update)

    def print_logins(self):
        self.stdout.write(f"\nDemo logins (password for all: {world.PASSWORD}):")
        for person in world.USERS:
            team = f", {person.team}" if person.team else ""
            self.stdout.write(f"  {person.username:<8} {person.first_name} {person.last_name} — {person.role}{team}")
