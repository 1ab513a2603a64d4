import pytest

from review.targets import Status, judge


@pytest.mark.parametrize(
    ("value", "status"),
    [(0.31, Status.GOOD), (0.30, Status.GOOD), (0.27, Status.AMBER), (0.2699, Status.BAD), (0.0, Status.BAD)],
)
def test_a_share_is_amber_within_the_margin_of_its_target(value, status):
    assert judge(value, 0.30, higher_is_better=True, margin=0.10) == status


@pytest.mark.parametrize(
    ("hours", "status"), [(12, Status.GOOD), (24, Status.GOOD), (26.4, Status.AMBER), (26.5, Status.BAD)]
)
def test_a_response_time_is_amber_up_to_the_margin_over_its_target(hours, status):
    assert judge(hours * 3600, 24 * 3600, higher_is_better=False, margin=0.10) == status


@pytest.mark.parametrize(("share", "status"), [(0, Status.GOOD), (0.1, Status.AMBER), (0.11, Status.BAD)])
def test_a_zero_target_allows_the_margin_as_a_share(share, status):
    assert judge(share, 0, higher_is_better=False, margin=0.10) == status


def test_no_value_or_no_target_is_not_judged():
    assert judge(None, 0.3, higher_is_better=True, margin=0.1) is None
    assert judge(0.3, None, higher_is_better=True, margin=0.1) is None
