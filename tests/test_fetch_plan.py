"""Choosing archives, reading the archive list, and how long to wait before a retry."""
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from sia.dataset.fetch.http import RetryPolicy
from sia.dataset.fetch.police_archive import ARCHIVE_LINK, choose_archives
from sia.periods import fy_months

ARCHIVES = [f"{y}-{m:02d}" for y in range(2013, 2025) for m in (3, 6, 9, 12)]


def test_two_years_five_years_apart_need_two_archives_the_latest_that_reach_back():
    plan, missing = choose_archives(fy_months("2014-15") + fy_months("2019-20"), ARCHIVES)
    assert missing == []
    # 2017-03 is the last archive whose 36 months still include April 2014.
    assert plan == {"2017-03": fy_months("2014-15"), "2022-03": fy_months("2019-20")}


def test_one_archive_covers_years_within_36_months():
    plan, _ = choose_archives(fy_months("2014-15") + fy_months("2016-17"), ARCHIVES)
    assert list(plan) == ["2017-03"]


def test_months_no_archive_reaches_are_named():
    plan, missing = choose_archives(["2009-04", "2014-04", "2030-01"], ARCHIVES)
    assert missing == ["2009-04", "2030-01"]
    assert plan == {"2017-03": ["2014-04"]}


def test_archive_links_are_read_from_the_page():
    page = ('<a href="/data/archive/2017-03.zip">March 2017</a> <a href="latest.zip">latest</a>'
            "<a href='https://data.police.uk/data/archive/2020-03.zip'>x</a> <a href=\"/2020-13.zip\">")
    assert ARCHIVE_LINK.findall(page) == ["2017-03", "2020-03"]


@pytest.mark.parametrize("attempt,retry_after,expected", [
    (1, None, 0.5), (3, None, 2.0), (10, None, 30.0),  # doubling, capped
    (1, "7", 7.0), (1, "600", 30.0), (1, "soon", 0.5),
])
def test_retry_delay_doubles_and_honours_retry_after(attempt, retry_after, expected):
    assert RetryPolicy(backoff=0.5, max_delay=30).delay(attempt, retry_after) == expected


def test_retry_after_may_be_an_http_date():
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    assert 18 <= RetryPolicy(max_delay=60).delay(1, when) <= 20
