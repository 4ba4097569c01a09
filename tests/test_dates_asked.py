"""Days in questions (bot/dates_asked.py): calendar dates, named days, stretches, in eight languages."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.dates_asked import DaysAsked, days_asked

TODAY = dt.date(2026, 12, 4)  # a Friday
DEC = [dt.date(2026, 12, day) for day in range(1, 32)]
BETWEEN = DaysAsked(tuple(DEC[26:30]), stretch=True)  # 27-30 December


@pytest.mark.parametrize(("language", "text", "expected"), [
    ("en", "Is International House open on 24 December?", DaysAsked((DEC[23],))),
    ("en", "are you open on 24/12", DaysAsked((DEC[23],))),
    ("en", "Are you open on Christmas Eve?", DaysAsked((DEC[23],))),
    ("en", "open on boxing day?", DaysAsked((DEC[25],))),
    ("en", "When is International House closed for Christmas?", DaysAsked(tuple(DEC[23:26]), stretch=True)),
    ("en", "are you open between Christmas and New Year?", BETWEEN),
    ("da", "Er I åbne den 5. juni?", DaysAsked((dt.date(2027, 6, 5),))),
    ("da", "har I åbent juleaften?", DaysAsked((DEC[23],))),
    ("da", "har I åbent mellem jul og nytår?", BETWEEN),
    ("da", "åbent i romjulen?", BETWEEN),
    ("de", "Ist das International House am 31. Dezember geöffnet?", DaysAsked((DEC[30],))),
    ("de", "Habt ihr an Heiligabend geöffnet?", DaysAsked((DEC[23],))),
    ("de", "zwischen Weihnachten und Neujahr offen?", BETWEEN),
    ("es", "¿Está abierto el 24 de diciembre?", DaysAsked((DEC[23],))),
    ("es", "¿abren entre Navidad y Año Nuevo?", BETWEEN),
    ("pl", "Czy jesteście otwarci 25 grudnia?", DaysAsked((DEC[24],))),
    ("pl", "Czy jesteście otwarci w Wigilię?", DaysAsked((DEC[23],))),
    ("pl", "czy jestescie otwarci miedzy swietami a nowym rokiem", BETWEEN),
    ("ro", "Sunteți deschiși pe 25 decembrie?", DaysAsked((DEC[24],))),
    ("ro", "sunteti deschisi intre Craciun si Anul Nou", BETWEEN),
    ("uk", "Ви працюєте 25 грудня?", DaysAsked((DEC[24],))),
    ("uk", "Ви працюєте на Святвечір?", DaysAsked((DEC[23],))),
    ("uk", "чи працюєте між Різдвом і Новим роком", BETWEEN),
    ("ar", "هل تفتحون يوم 25 ديسمبر؟", DaysAsked((DEC[24],))),
    ("ar", "هل تفتحون يوم ٢٤ ديسمبر؟", DaysAsked((DEC[23],))),
    ("ar", "هل تفتحون بين عيد الميلاد ورأس السنة؟", BETWEEN),
])
def test_days_in_questions(language, text, expected):
    assert days_asked(text, language, TODAY) == expected


def test_next_week_is_monday_to_sunday():
    asked = days_asked("are you open next week?", "en", TODAY)
    assert asked == DaysAsked(tuple(DEC[6:13]), stretch=True)


def test_a_weekday_entity_is_the_next_such_day_today_included():
    assert days_asked("open on friday?", "en", TODAY, ["fri"]) == DaysAsked((TODAY,))
    assert days_asked("open on monday?", "en", TODAY, ["mon"]) == DaysAsked((DEC[6],))
    assert days_asked("open tomorrow?", "en", TODAY, ["tomorrow"]) == DaysAsked((DEC[4],))


def test_a_written_date_wins_over_a_weekday():
    assert days_asked("open on Thursday 24 December?", "en", TODAY, ["thu"]) == DaysAsked((DEC[23],))


@pytest.mark.parametrize("text", ["what are your opening hours", "can I come in May?", "call me at 10",
                                  "my tax card for 2027", "phone +45 99 31 15 30"])
def test_no_day_is_invented(text):
    assert days_asked(text, "en", TODAY) is None


def test_christmas_asked_after_christmas_is_next_year():
    assert days_asked("open on Christmas Eve?", "en", dt.date(2026, 12, 28)) == DaysAsked((dt.date(2027, 12, 24),))
    # asked in the week between, "between Christmas and New Year" is this week, from today
    assert days_asked("open between christmas and new year?", "en", dt.date(2026, 12, 28)) == DaysAsked(
        tuple(DEC[27:30]), stretch=True)
