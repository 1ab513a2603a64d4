import csv
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from review.tests.world import NOW, WEEK, add_notifications
from review.weeks import IsoWeek

pytestmark = pytest.mark.django_db
URL = reverse("review:weekly")


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    """The page asks for "now" once; the world's week is complete by then."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def get(client, user, **query):
    client.force_login(user)
    return client.get(URL, query, HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize("persona", ["rep", "manager", "marketer", "revops_admin"])
def test_every_role_reads_the_review(client, persona, request, week_world):
    response = get(client, request.getfixturevalue(persona), week=str(WEEK), team="")
    assert response.status_code == 200
    assert response.context["data"].total.mqls == 6


def test_someone_without_a_role_gets_403(client, outsider):
    assert get(client, outsider).status_code == 403
    client.force_login(outsider)
    assert client.get(reverse("review:export")).status_code == 403


def test_the_default_is_the_last_complete_week(client, marketer):
    response = get(client, marketer)
    assert response.context["data"].week == IsoWeek.last_complete(NOW) == IsoWeek(2027, 14)
    assert response.context["form"]["week"].value() == "2027-W14"


def test_a_manager_starts_on_their_team_and_can_choose_all(client, manager, week_world):
    response = get(client, manager, week=str(WEEK))
    assert response.context["data"].team_id == week_world.north.pk
    assert response.context["data"].total.mqls == 5
    assert get(client, manager, week=str(WEEK), team="").context["data"].total.mqls == 6


def test_a_rep_starts_on_their_own_team(client, rep, week_world):
    assert get(client, rep, week=str(WEEK)).context["data"].team_id == week_world.north.pk


def test_marketing_starts_on_all_teams(client, marketer, week_world):
    assert get(client, marketer, week=str(WEEK)).context["data"].team_id is None


def test_the_page_shows_the_figures_targets_and_lists(client, marketer, week_world):
    response = get(client, marketer, week=str(WEEK), team="")
    html = response.content.decode()
    assert "66.7 %" in html  # within SLA
    assert "2.0 h" in html and "11.0 h" in html  # median, 90th percentile, in business hours
    assert 'class="badge bad">66.7 %' in html
    assert reverse("leads:detail", args=[week_world.leads["E"].pk]) in html  # the breach
    assert "Was in a customer meeting" in html
    for name in ("B", "C", "D"):  # without feedback
        assert reverse("leads:detail", args=[week_world.leads[name].pk]) in html
    assert "Not our target group" in html
    assert f"week={WEEK.shifted(-1)}&amp;team=" in html and f"week={WEEK.shifted(1)}&amp;team=" in html
    assert set(response.context["figures"]) == {
        f"figure-{name}" for name in
        ("within-sla", "median", "p90", "feedback", "delivered", "accepted", "complete", "mql-to-sql")
    }


def test_a_rep_without_leads_shows_dashes_not_zero_percent(client, marketer, week_world):
    html = get(client, marketer, week=str(WEEK), team=week_world.north.pk).content.decode()
    idle_row = html[html.index("<th scope=\"row\">Idle</th>"):].split("</tr>")[0]
    assert "—" in idle_row and "0.0 %" not in idle_row


def test_an_empty_week_renders_with_dashes(client, marketer, week_world):
    response = get(client, marketer, week="2026-W30", team="")
    assert response.status_code == 200
    html = response.content.decode()
    assert "No MQLs this week" in html
    assert html.count('<span class="stat-value">—</span>') == 7  # every tile but the MQL count
    assert '<span class="stat-value">0' in html  # 0 MQLs delivered
    assert not re.search(r"(?<![0-9])0\.0 %", html)  # targets like 80.0 % are fine


def test_the_current_week_has_no_next_link_and_says_it_is_not_over(client, marketer):
    current = IsoWeek.last_complete(NOW).shifted(1)
    response = get(client, marketer, week=str(current), team="")
    assert response.context["next_query"] == ""
    assert "not over yet" in response.content.decode()


def test_a_week_that_does_not_exist_is_a_clear_400(client, marketer):
    response = get(client, marketer, week="2026-W61")
    assert response.status_code == 400
    assert "Choose a week" in response.content.decode()
    client.force_login(marketer)
    assert client.get(reverse("review:export"), {"week": "nonsense"}).status_code == 400


def test_the_page_takes_a_fixed_number_of_queries(client, marketer, week_world, django_assert_num_queries):
    client.force_login(marketer)
    # session, user, roles, agreement, calendar settings, twelve for the figures, the meeting's
    # discussed leads, nudges of today and open actions, completeness per channel, the team choices
    with django_assert_num_queries(22):
        client.get(URL, {"week": str(WEEK), "team": ""})
    # and the chosen team; a week without leads to discuss skips their two look-ups
    with django_assert_num_queries(21):
        client.get(URL, {"week": str(WEEK.shifted(-3)), "team": week_world.north.pk})


def test_a_managers_page_takes_a_fixed_number_of_queries(client, manager, week_world, django_assert_num_queries):
    from review.tests.test_views_acts import more_leads_to_discuss

    client.force_login(manager)
    query = {"week": str(WEEK), "team": week_world.north.pk}
    # as marketing's, and the chosen team, the manager's scope (teams, members) for the acts
    # and again for the names, whom they may reassign to and who may own an action
    with django_assert_num_queries(29):
        client.get(URL, query)
    more_leads_to_discuss(week_world)
    with django_assert_num_queries(29):
        client.get(URL, query)


def test_csv_has_a_row_per_figure_and_line_with_target_and_status(client, marketer, week_world):
    client.force_login(marketer)
    response = client.get(reverse("review:export"), {"week": str(WEEK), "team": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="handoff-review-2027-W12-all-teams.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Week", "Scope", "Team", "Rep", "Figure", "Value", "Target", "Status"]
    by_key = {(r[2], r[3], r[4]): r for r in rows[1:]}
    assert by_key[("", "", "Contacted within the SLA (%)")][5:] == ["66.7", "100.0", "Off target"]
    assert by_key[("", "", "Median time to first contact (business hours)")][5:] == ["2.0", "24.0", "On target"]
    assert by_key[("Nieuwe klanten", "Idle", "Feedback given (%)")][5:] == ["", "100.0", ""]
    assert by_key[("", "", "Rejected: Not our target group")][5] == "1"
    assert by_key[("", "", "Missed a deadline")][5] == "2"  # D and E, as the page's list
    assert by_key[("Nieuwe klanten", "Rep", "First contact after the deadline, or not at all")][5] == "1"  # E


def test_csv_makes_a_name_that_starts_like_a_formula_text(client, marketer, week_world):
    week_world.north.name = "=HYPERLINK(\"https://evil.example\",\"Klik\")"
    week_world.north.save()
    client.force_login(marketer)
    response = client.get(reverse("review:export"), {"week": str(WEEK), "team": ""}, HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    teams = {row[2] for row in rows[1:]}
    assert "'=HYPERLINK(\"https://evil.example\",\"Klik\")" in teams
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_navigation_has_the_weekly_review_for_every_role(client, rep, outsider):
    client.force_login(rep)
    assert "Weekly review" in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en", follow=True).content.decode()
    client.force_login(outsider)
    response = client.get(reverse("leads:queue"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Weekly review" not in response.content.decode()


def test_a_rep_reads_every_figure_but_only_their_own_leads_names(client, rep, week_world):
    html = get(client, rep, week=str(WEEK), team="").content.decode()
    leads = week_world.leads
    assert reverse("leads:detail", args=[leads["B"].pk]) in html  # their own, without feedback
    assert reverse("leads:detail", args=[leads["E"].pk]) in html  # their own breach, with its note
    assert "Was in a customer meeting" in html
    for colleagues in ("C", "D"):
        assert reverse("leads:detail", args=[leads[colleagues].pk]) not in html
    # C and D without feedback, D also with its missed deadline
    assert html.count("A colleague&#x27;s lead") + html.count("A colleague's lead") == 3
    assert get(client, rep, week=str(WEEK), team="").context["data"].total.mqls == 6  # figures: all


def test_the_rep_s_colleague_leads_are_named_for_their_manager(client, manager, week_world):
    html = get(client, manager, week=str(WEEK), team="").content.decode()
    assert reverse("leads:detail", args=[week_world.leads["C"].pk]) in html
    assert "A colleague" not in html


def test_the_review_shows_the_two_clocks_per_team_and_rep(client, marketer, week_world, rep, other_rep):
    add_notifications(week_world, rep=rep, other_rep=other_rep)
    page = get(client, marketer, week=str(WEEK), team="").content.decode()
    clocks = page[page.index('id="clocks-table"'):]
    clocks = clocks[:clocks.index("</table>")]
    total = clocks[clocks.index("<tfoot>"):]
    # System: median 450 s, p90 1440 s, of 4; rep: median 186150 s (2.2 days), p90 390600 s.
    assert re.findall(r'<td class="num">(?:<a [^>]*>)?([^<]*)', total) == ["8 min", "24 min", "4", "2.2 days", "4.5 days", "4"]
    assert "Zuid" in clocks and 'class="rep-row"' in clocks


def test_counts_agree_with_each_other_from_the_clocks_alone(client, manager, rep, week_world):
    """SLA clocks running as the handoff starts them, and no worker run: no breach recorded.
    The tiles, the per-team table and the list of missed deadlines still tell one story."""
    from handoff import clocks
    from handoff.models import HandoffSettings, SlaBreach, SlaClock
    from leads.models import Lead
    from review.tests.world import _attempt, _lead, local

    calendar = HandoffSettings.load().calendar()
    leads = week_world.leads
    company = leads["A"].company

    def clock_from(lead, handed_over):
        clock = clocks.set_clock(
            lead, kind=SlaClock.Kind.FIRST_CONTACT, policy=clocks.DEFAULT_POLICY, calendar=calendar,
            start=handed_over, handed_over_at=handed_over,
        )
        Lead.objects.filter(pk=lead.pk).update(first_contact_by=clock.due_by)
        lead.refresh_from_db()
        return lead

    clock_from(leads["D"], local(28, 10))  # never contacted: first contact missed, still open
    # K: called in time, not reached, and the next attempt never came: open, first contact in time.
    k = clock_from(_lead("K", rep, week_world.north, company, handed_over=local(23, 9), deadline=local(24, 9)), local(23, 9))
    _attempt(k, rep, local(23, 11))
    # N: its attempts used up, waiting for the worker to return it to nurture: nobody's breach.
    n = clock_from(_lead("N", rep, week_world.north, company, handed_over=local(23, 9), deadline=local(24, 9)), local(23, 9))
    _attempt(n, rep, local(23, 10))
    clocks.set_clock(n, kind=SlaClock.Kind.NOT_REACHED, policy=clocks.DEFAULT_POLICY, calendar=calendar,
                     start=local(24, 10), handed_over_at=local(23, 9))
    SlaBreach.objects.all().delete()

    response = get(client, manager, week=str(WEEK), team="")
    data, html = response.context["data"], response.content.decode()
    total = data.total
    assert total.mqls == 8
    assert (total.due, total.within_sla) == (8, 6)  # K and N in time besides A, B, C, F
    assert total.missed_first_contact == total.due - total.within_sla == 2  # D and E
    assert total.open_breaches == 2  # D and K; not N
    assert data.missed_count == total.missed_deadlines == len(data.missed) == 3
    assert [row.lead.first_name for row in data.missed] == ["E", "K", "D"]
    assert sum(row.is_open for row in data.missed) == total.open_breaches
    assert sum(row.first_contact_by is not None for row in data.missed) == total.missed_first_contact
    assert sum(block.team.open_breaches for block in data.teams) == total.open_breaches
    assert "6 of 8 in time" in html
    assert "3 leads missed a deadline. First contact late or not at all: 2; still past their deadline now: 2." in html
    assert html.count('<span class="badge bad">still open</span>') == 2
    row_k = html[html.index(f'id="missed-{k.pk}"'):].split("</tr>")[0]
    assert "Next attempt" in row_k and "First contact" not in row_k
