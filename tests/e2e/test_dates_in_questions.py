"""Days in questions, in eight languages, through the running servers (issue #18).

Each language asks: open tomorrow, open on a named weekday, open on 25 December, open on
24 December, open between Christmas and New Year. Every reply must be about the day asked (its
date and month in the language), name the holiday in the language, and, where no source gives the
hours, say "not confirmed" with the phone number to check. The expected words are written here by
hand, independently of the code's CLDR and holiday data, so that a wrong name or date fails.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Dict, List

import pytest
import requests

from bot.content.hours import TIMEZONE
from tests.e2e.conftest import as_json, reply_text

pytestmark = pytest.mark.e2e

PHONE = "+45 99 31 15 30"

# Weekday names (Monday first) and the month names as they stand after a day number.
WEEKDAYS: Dict[str, List[str]] = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "da": ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"],
    "de": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],
    "es": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
    "pl": ["poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela"],
    "ro": ["luni", "marți", "miercuri", "joi", "vineri", "sâmbătă", "duminică"],
    "uk": ["понеділок", "вівторок", "середа", "четвер", "пʼятниця", "субота", "неділя"],
    "ar": ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"],
}
DECEMBER = {"en": "December", "da": "december", "de": "Dezember", "es": "de diciembre", "pl": "grudnia",
            "ro": "decembrie", "uk": "грудня", "ar": "ديسمبر"}
MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
    "da": ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
           "november", "december"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"],
    "pl": ["stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września",
           "października", "listopada", "grudnia"],
    "ro": ["ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august", "septembrie",
           "octombrie", "noiembrie", "decembrie"],
    "uk": ["січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня",
           "листопада", "грудня"],
    "ar": ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر",
           "ديسمبر"],
}
CHRISTMAS_EVE = {"en": "Christmas Eve", "da": "Juleaftensdag", "de": "Heiligabend", "es": "Nochebuena",
                 "pl": "Wigilia", "ro": "Ajunul Crăciunului", "uk": "Святий вечір", "ar": "ليلة عيد الميلاد"}
CHRISTMAS_DAY = {"en": "Christmas Day", "da": "Juledag", "de": "Erster Weihnachtsfeiertag", "es": "Día de Navidad",
                 "pl": "Boże Narodzenie", "ro": "Crăciunul", "uk": "Різдво Христове", "ar": "عيد الميلاد"}
NOT_CONFIRMED = {"en": "not confirmed", "da": "ikke bekræftet", "de": "nicht bestätigt", "es": "no está confirmado",
                 "pl": "nie są potwierdzone", "ro": "nu este confirmat", "uk": "не підтверджено", "ar": "غير مؤكدة"}
NOT_CONFIRMED_LIST = {"en": "not confirmed", "da": "ikke bekræftet", "de": "nicht bestätigt", "es": "sin confirmar",
                      "pl": "niepotwierdzone", "ro": "neconfirmat", "uk": "не підтверджено", "ar": "غير مؤكد"}
# Wednesday's desk hours (ihnd.yml), with the language's time separator.
WEDNESDAY_HOURS = {language: "08:30–15:00" for language in WEEKDAYS} | {"da": "08.30–15.00"}

QUESTIONS: Dict[str, Dict[str, str]] = {
    "en": {"tomorrow": "Is International House open tomorrow?",
           "weekday": "Is International House open on Wednesday?",
           "dec25": "Is International House open on 25 December?",
           "dec24": "Are you open on 24 December?",
           "between": "Are you open between Christmas and New Year?"},
    "da": {"tomorrow": "Har International House åbent i morgen?",
           "weekday": "Har International House åbent på onsdag?",
           "dec25": "Har I åbent den 25. december?",
           "dec24": "Har I åbent juleaften?",
           "between": "Har I åbent mellem jul og nytår?"},
    "de": {"tomorrow": "Hat das International House morgen geöffnet?",
           "weekday": "Hat das International House am Mittwoch geöffnet?",
           "dec25": "Habt ihr am 25. Dezember geöffnet?",
           "dec24": "Habt ihr an Heiligabend geöffnet?",
           "between": "Habt ihr zwischen Weihnachten und Neujahr geöffnet?"},
    "es": {"tomorrow": "¿Está abierta International House mañana?",
           "weekday": "¿Está abierta International House el miércoles?",
           "dec25": "¿Abren el 25 de diciembre?",
           "dec24": "¿Abren en Nochebuena?",
           "between": "¿Abren entre Navidad y Año Nuevo?"},
    "pl": {"tomorrow": "Czy International House jest jutro otwarte?",
           "weekday": "Czy International House jest otwarte w środę?",
           "dec25": "Czy jesteście otwarci 25 grudnia?",
           "dec24": "Czy jesteście otwarci w Wigilię?",
           "between": "Czy jesteście otwarci między świętami a Nowym Rokiem?"},
    "ro": {"tomorrow": "Este International House deschis mâine?",
           "weekday": "Este International House deschis miercuri?",
           "dec25": "Sunteți deschiși pe 25 decembrie?",
           "dec24": "Sunteți deschiși în Ajunul Crăciunului?",
           "between": "Sunteți deschiși între Crăciun și Anul Nou?"},
    "uk": {"tomorrow": "Чи працює International House завтра?",
           "weekday": "Чи працює International House у середу?",
           "dec25": "Ви працюєте 25 грудня?",
           "dec24": "Ви працюєте на Святвечір?",
           "between": "Чи працюєте ви між Різдвом і Новим роком?"},
    "ar": {"tomorrow": "هل International House مفتوح غدًا؟",
           "weekday": "هل International House مفتوح يوم الأربعاء؟",
           "dec25": "هل تفتحون يوم 25 ديسمبر؟",
           "dec24": "هل أنتم مفتوحون ليلة عيد الميلاد؟",
           "between": "هل تفتحون بين عيد الميلاد ورأس السنة؟"},
}

CASES = [(language, kind) for language in QUESTIONS for kind in QUESTIONS[language]]


def today() -> dt.date:
    return dt.datetime.now(TIMEZONE).date()


def next_date(month: int, day: int) -> dt.date:
    candidate = dt.date(today().year, month, day)
    return candidate if candidate >= today() else dt.date(today().year + 1, month, day)


def day_words(day: dt.date, language: str) -> List[str]:
    """The weekday, the day number and the month of a date, as the reply must write them."""
    return [WEEKDAYS[language][day.weekday()], str(day.day), MONTHS[language][day.month - 1]]


def special(day: dt.date) -> bool:
    """A day whose hours no source gives: holidays, Christmas Eve, 27-31 Dec, 5 June, 1 May."""
    import holidays

    calendar = holidays.country_holidays("DK", years=day.year, categories=("public", "optional"))
    return day in calendar or (day.month == 12 and 27 <= day.day <= 30)


def expected(language: str, kind: str) -> List[str]:
    if kind == "tomorrow":
        day = today() + dt.timedelta(days=1)
        words = day_words(day, language)
        if special(day) and day.weekday() < 5:
            return [*words, NOT_CONFIRMED[language], PHONE]
        return words
    if kind == "weekday":
        day = today() + dt.timedelta(days=(2 - today().weekday()) % 7)
        words = day_words(day, language)
        if special(day):
            return [*words, NOT_CONFIRMED[language], PHONE]
        return [*words, WEDNESDAY_HOURS[language]]
    if kind == "dec25":
        return [*day_words(next_date(12, 25), language), CHRISTMAS_DAY[language], NOT_CONFIRMED[language], PHONE]
    if kind == "dec24":
        return [*day_words(next_date(12, 24), language), CHRISTMAS_EVE[language], NOT_CONFIRMED[language], PHONE]
    first = next_date(12, 27) if today() <= dt.date(today().year, 12, 30) else dt.date(today().year + 1, 12, 27)
    days = [first + dt.timedelta(days=offset) for offset in range(4)]
    weekdays = [day for day in days if day.weekday() < 5 and day >= today()]
    words = [f"{WEEKDAYS[language][day.weekday()]}" for day in weekdays]
    return [*words, DECEMBER[language], NOT_CONFIRMED_LIST[language], PHONE]


@pytest.mark.parametrize(("language", "kind"), CASES, ids=[f"{lang}:{kind}" for lang, kind in CASES])
def test_the_reply_is_about_the_day_asked(stack, language, kind):
    sender = uuid.uuid4().hex
    messages = stack.ask(QUESTIONS[language][kind], sender)
    text = reply_text(messages)
    missing = [word for word in expected(language, kind) if word not in text]
    assert not missing, f"[{language}] missing {missing} in the reply to {QUESTIONS[language][kind]!r}:\n" + as_json(
        messages)
    assert "(?)" not in text
    tracker = requests.get(f"{stack.rasa}/conversations/{sender}/tracker", params={"token": stack.token},
                           timeout=30).json()
    assert tracker["slots"]["language"] == language
    answered = [event for event in tracker["events"] if event["event"] == "bot"]
    assert answered and answered[-1]["metadata"].get("kind") == "hours", as_json(messages)
