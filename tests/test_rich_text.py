"""The answers' markup and how each kind of channel shows it (issue #13: readable links)."""

from __future__ import annotations

import pytest

from bot.console.markdown_lite import render
from bot.rich_text import CHANNEL_STYLES, for_channel, link, plain, short_url, slack

TAX = "https://lifeindenmark.borger.dk/actionpage?selfserviceid=eb44aae3-59fd-4959-8c4a-f091d4438309"
ANSWER = f"**Tax card**\n\nApply online.\n\nMore information: [Life in Denmark: tax card]({TAX})"


def test_a_link_keeps_its_title_and_address_whole():
    assert link("Life in Denmark: tax card", TAX) == f"[Life in Denmark: tax card]({TAX})"
    assert link("A [draft]  page", "https://x.dk/a_(b)") == "[A (draft) page](https://x.dk/a_%28b%29)"


@pytest.mark.parametrize(("url", "short"), [
    ("https://www.skat.dk/", "skat.dk"),
    ("https://ihnd.dk", "ihnd.dk"),
    ("http://international.kk.dk/artikel/how-do-i-get-tax-card", "international.kk.dk/artikel/how-do-i-get-tax-card"),
    ("https://www.nyidanmark.dk/en-GB/You-want-to-apply/", "nyidanmark.dk/en-GB/You-want-to-apply/"),
    (TAX, TAX[len("https://"):]),
])
def test_a_short_url_drops_only_the_scheme_www_and_a_lone_trailing_slash(url, short):
    assert short_url(url) == short


def test_text_channels_get_no_markup_and_links_as_short_addresses():
    assert plain(ANSWER) == f"Tax card\n\nApply online.\n\nMore information: {TAX[len('https://'):]}"
    assert plain("see https://ihnd.dk and **this**") == "see https://ihnd.dk and this"


def test_slack_gets_its_own_markup():
    assert slack(ANSWER) == f"*Tax card*\n\nApply online.\n\nMore information: <{TAX}|Life in Denmark: tax card>"


@pytest.mark.parametrize("channel", ["telegram", "facebook", "twilio"])
def test_messaging_channels_are_plain(channel):
    assert CHANNEL_STYLES[channel] == "plain"
    assert for_channel(channel, ANSWER) == plain(ANSWER)


@pytest.mark.parametrize("channel", ["socketio", "rest", "signed", "botframework", ""])
def test_the_widget_rest_webhook_and_teams_get_the_text_as_written(channel):
    assert for_channel(channel, ANSWER) == ANSWER


def test_the_console_shows_a_titled_link_as_the_widget_does():
    html = str(render(f"More information: [Life in <Denmark>]({TAX}&x=1)"))
    href = TAX + "&amp;x=1"
    assert html == (f'<p>More information: <a href="{href}" title="{href}" target="_blank" '
                    f'rel="noopener noreferrer">Life in &lt;Denmark&gt;</a></p>')
