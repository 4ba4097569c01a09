"""A message that names a content topic is not out of scope."""

from __future__ import annotations

from bot.nlu.topic_scope import adjust


def ranking(**confidences):
    return sorted(({"name": k, "confidence": v} for k, v in confidences.items()), key=lambda i: -i["confidence"])


def test_out_of_scope_moves_to_the_best_question_intent_when_a_topic_is_named():
    before = ranking(out_of_scope=0.61, ask_topic=0.30, ask_hours=0.09)
    after = adjust(before[0], before, has_topic=True)
    assert after[0]["name"] == "ask_topic" and round(after[0]["confidence"], 2) == 0.91
    assert {"name": "out_of_scope", "confidence": 0.0} in after


def test_a_close_call_is_resolved_for_the_question():
    before = ranking(ask_topic=0.52, out_of_scope=0.48)
    after = adjust(before[0], before, has_topic=True)
    assert after[0] == {"name": "ask_topic", "confidence": 1.0}


def test_nothing_changes_without_a_topic_or_without_out_of_scope():
    before = ranking(out_of_scope=0.61, ask_topic=0.39)
    assert adjust(before[0], before, has_topic=False) is before
    other = ranking(ask_topic=0.7, greet=0.3)
    assert adjust(other[0], other, has_topic=True) is other


def test_a_weak_switch_language_guess_gives_way_when_the_topic_is_understood():
    before = ranking(switch_language=0.6, ask_address=0.3, greet=0.1)
    after = adjust(before[0], before, has_topic=True, understood=True)
    assert after[0]["name"] == "ask_address" and round(after[0]["confidence"], 2) == 1.0


def test_a_sure_chitchat_intent_keeps_the_turn():
    before = ranking(thank=0.9, ask_topic=0.1)
    assert adjust(before[0], before, has_topic=True, understood=True) is before


def test_a_chitchat_guess_the_topic_model_does_not_hear_keeps_the_turn_only_when_very_sure():
    # "thanks, that helped with my tax card": the topic model hears chit-chat too (0.87).
    thanks = ranking(thank=0.85, ask_topic=0.15)
    assert adjust(thanks[0], thanks, has_topic=True, understood=True, chat=0.87) is thanks
    # "Żona nudzi się w domu i nie może znaleźć pracy": read as a "no" (0.82), chit-chat 0.00.
    need = ranking(deny=0.82, ask_contact=0.09, ask_topic=0.06, request_human=0.03)
    after = adjust(need[0], need, has_topic=True, understood=True, chat=0.0)
    assert after[0] == {"name": "ask_contact", "confidence": 0.94}
    # "ok bye, I'll go to International House tomorrow": a goodbye, whatever the topic model hears.
    bye = ranking(goodbye=0.91, ask_address=0.09)
    assert adjust(bye[0], bye, has_topic=True, understood=True, chat=0.04) is bye
    # "Do I have to pay to see a doctor in Denmark?": goodbye 0.98, chat 0.00, but it asks.
    asks = ranking(goodbye=0.98, ask_topic=0.02)
    after = adjust(asks[0], asks, has_topic=True, understood=True, chat=0.0, question=True)
    assert [(item["name"], round(item["confidence"], 2)) for item in after] == [("ask_topic", 1.0), ("goodbye", 0.0)]
    # A question the topic model hears chit-chat in keeps its chit-chat intent ("thanks, is that all?").
    assert adjust(asks[0], asks, has_topic=True, understood=True, chat=0.5, question=True) is asks
    # Asking for a person is a question by nature: "is there someone from International House I can chat with?"
    person = ranking(request_human=0.95, ask_topic=0.05)
    assert adjust(person[0], person, has_topic=True, understood=True, entry="ihnd", chat=0.0, question=True) is person


def test_a_language_named_as_the_subject_of_a_question_is_no_switch():
    # "where can I learn Danish for free?" (Arabic): switch 0.92, but the topic model hears no chit-chat.
    learn = ranking(switch_language=0.92, ask_address=0.05, ask_topic=0.03)
    after = adjust(learn[0], learn, has_topic=True, understood=True, chat=0.0)
    assert (after[0]["name"], round(after[0]["confidence"], 2)) == ("ask_address", 0.97)
    # "can you answer in Danish about the tax card?": the topic model hears the request (0.82).
    switch = ranking(switch_language=0.82, ask_topic=0.18)
    assert adjust(switch[0], switch, has_topic=True, understood=True, chat=0.82) is switch


def test_a_follow_up_is_a_question_about_the_current_topic():
    from bot.nlu.topic_scope import adjust_without_topic

    before = ranking(out_of_scope=0.5, deny=0.3, ask_topic=0.15, ask_hours=0.05)
    after = adjust_without_topic(before, follow_up=0.7, none=0.1)
    assert after[0]["name"] == "ask_topic" and round(after[0]["confidence"], 2) == 0.95
    assert [item["name"] for item in after[1:]] == ["ask_hours", "out_of_scope", "deny"]


def test_a_weak_question_intent_is_made_sure_by_a_follow_up():
    """'and friday?': ask_hours on top but too weak for the FallbackClassifier's 0.35."""
    from bot.nlu.topic_scope import adjust_without_topic

    before = ranking(ask_hours=0.3, ask_topic=0.25, greet=0.25, out_of_scope=0.2)
    after = adjust_without_topic(before, follow_up=0.9, none=0.01)
    assert after[0]["name"] == "ask_hours" and round(after[0]["confidence"], 2) == 0.75
    assert after[1] == {"name": "ask_topic", "confidence": 0.25}
    assert adjust_without_topic(before, follow_up=0.4, none=0.01, chat=0.3) is before


def test_a_weaker_follow_up_guess_counts_when_it_clearly_leads_none_and_chitchat():
    """'hay que inscribirse?': follow-up 0.50 against chit-chat 0.24, the intents spread thin."""
    from bot.nlu.topic_scope import adjust_without_topic

    before = ranking(out_of_scope=0.3, goodbye=0.3, ask_contact=0.25, ask_topic=0.15)
    after = adjust_without_topic(before, follow_up=0.45, none=0.05, chat=0.2)
    assert after[0]["name"] == "ask_contact" and round(after[0]["confidence"], 2) == 0.85
    assert after[1] == {"name": "ask_topic", "confidence": 0.15}
    assert adjust_without_topic(before, follow_up=0.45, none=0.05, chat=0.25) is before
    assert adjust_without_topic(before, follow_up=0.3, none=0.01, chat=0.01) is before


def test_every_chitchat_crumb_gives_way_when_the_topic_is_understood():
    """'und die gelbe Karte?' names the CPR entry; the question intents alone stayed under 0.35."""
    before = ranking(greet=0.35, ask_address=0.2, goodbye=0.15, ask_topic=0.15, out_of_scope=0.1, affirm=0.05)
    after = adjust(before[0], before, has_topic=True, understood=True)
    assert after[0]["name"] == "ask_address" and round(after[0]["confidence"], 2) == 0.85
    assert after[1] == {"name": "ask_topic", "confidence": 0.15}
    assert {item["name"] for item in after[2:]} == {"greet", "goodbye", "out_of_scope", "affirm"}
    assert all(item["confidence"] == 0.0 for item in after[2:])
    not_understood = adjust(before[0], before, has_topic=True, understood=False)
    assert not_understood[0]["name"] == "greet" and not_understood[1]["name"] == "ask_address"
    assert round(not_understood[1]["confidence"], 2) == 0.3


def test_a_sure_chitchat_intent_or_a_language_switch_is_not_a_follow_up():
    from bot.nlu.topic_scope import adjust_without_topic

    sure = ranking(thank=0.85, ask_topic=0.15)
    assert adjust_without_topic(sure, follow_up=0.9, none=0.0, chat=0.9) is sure
    switch = ranking(switch_language=0.5, ask_topic=0.3, greet=0.2)
    assert adjust_without_topic(switch, follow_up=0.9, none=0.0) is switch


def test_a_sure_chitchat_guess_gives_way_when_the_topic_model_hears_a_follow_up_and_no_chitchat():
    """"do we have to pay" after the school was read as goodbye (0.97), "is it automatic" as bot_challenge."""
    from bot.nlu.topic_scope import adjust_without_topic

    misread = ranking(goodbye=0.97, ask_topic=0.02, out_of_scope=0.01)
    after = adjust_without_topic(misread, follow_up=0.85, none=0.03, chat=0.02)
    assert [(item["name"], round(item["confidence"], 2)) for item in after] == [
        ("ask_topic", 1.0), ("goodbye", 0.0), ("out_of_scope", 0.0)]
    # Chit-chat the topic model hears too ("ok bye": chat 1.00), or no follow-up reading, keeps the turn.
    assert adjust_without_topic(misread, follow_up=0.85, none=0.03, chat=0.5) is misread
    assert adjust_without_topic(misread, follow_up=0.2, none=0.03, chat=0.02) is misread
    # A request for a person is no chit-chat: it keeps the turn when sure.
    person = ranking(request_human=0.9, ask_topic=0.1)
    assert adjust_without_topic(person, follow_up=0.85, none=0.0, chat=0.0) is person


def test_a_question_the_topic_model_places_outside_our_content_is_out_of_scope():
    from bot.nlu.topic_scope import adjust_without_topic

    before = ranking(ask_address=0.7, out_of_scope=0.2, greet=0.1)
    after = adjust_without_topic(before, follow_up=0.1, none=0.8)
    assert after[0]["name"] == "out_of_scope" and round(after[0]["confidence"], 2) == 0.9
    unsure = adjust_without_topic(before, follow_up=0.1, none=0.4)
    assert unsure is before


def test_out_of_scope_on_top_takes_a_close_question_intent_when_the_topic_model_agrees():
    """A near tie would end as nlu_fallback, and the content search would offer entries for a boat trip."""
    from bot.nlu.topic_scope import adjust_without_topic

    before = ranking(out_of_scope=0.38, ask_topic=0.34, request_human=0.28)
    after = adjust_without_topic(before, follow_up=0.0, none=0.95, question=True)
    assert [(item["name"], round(item["confidence"], 2)) for item in after] == [
        ("out_of_scope", 0.72), ("request_human", 0.28), ("ask_topic", 0.0)]
    assert adjust_without_topic(before, follow_up=0.0, none=0.4, question=True) is before


def test_a_weekday_without_a_topic_is_an_hours_follow_up_unless_surely_none_of_ours():
    """'a w piątek?' (pl): the model's follow-up probability is low, but a bare weekday asks for hours."""
    from bot.nlu.topic_scope import adjust_without_topic

    before = ranking(out_of_scope=0.59, affirm=0.13, ask_topic=0.12, ask_hours=0.1, goodbye=0.06)
    after = adjust_without_topic(before, follow_up=0.23, none=0.24, hours_cue=True)
    assert after[0]["name"] == "ask_hours" and round(after[0]["confidence"], 2) == 1.0
    assert adjust_without_topic(before, follow_up=0.23, none=0.24) is before
    # "which pharmacy is open on sunday": none of ours, so it stays out of scope.
    pharmacy = ranking(ask_hours=0.6, out_of_scope=0.3, ask_topic=0.1)
    after = adjust_without_topic(pharmacy, follow_up=0.05, none=0.9, hours_cue=True)
    assert after[0]["name"] == "out_of_scope"


def test_a_calling_word_that_asks_for_the_number_or_the_person_is_a_contact_question():
    """"which number do I call?", "who do I call?" have phone hours' calling word but ask for a contact."""
    from bot.answer_parts import asks_whom_to_call
    from bot.nlu.topic_scope import adjust_without_topic

    # What the classifier gave "hvilket nummer skal jeg ringe til?" before the hours rule moved it all.
    before = ranking(ask_hours=0.55, ask_contact=0.35, out_of_scope=0.06, greet=0.04)
    after = adjust_without_topic(before, follow_up=0.97, none=0.01, hours_cue=True, whom_to_call=True)
    assert after[0]["name"] == "ask_contact" and round(after[0]["confidence"], 2) == 1.0
    hours = adjust_without_topic(before, follow_up=0.97, none=0.01, hours_cue=True)
    assert hours[0]["name"] == "ask_hours" and round(hours[0]["confidence"], 2) == 1.0
    asked = {"en": "which number do i call?", "da": "hvilket nummer skal jeg ringe til?",
             "de": "welche Nummer ruf ich an?", "es": "¿a qué número llamo?", "pl": "pod jaki numer dzwonić?",
             "ro": "la ce număr sun?", "uk": "на який номер дзвонити?", "ar": "على أي رقم أتصل؟"}
    who = {"en": "who do i call?", "da": "hvem skal jeg ringe til?", "de": "wen ruf ich an?",
           "es": "¿a quién llamo?", "pl": "do kogo mam zadzwonić?", "ro": "pe cine sun?",
           "uk": "кому дзвонити?", "ar": "لمين بتصل؟"}
    assert [code for code, text in who.items() if not asks_whom_to_call(text, code)] == []
    assert [code for code, text in asked.items() if not asks_whom_to_call(text, code)] == []
    when = {"en": "when can i call?", "da": "hvornår kan jeg ringe?", "de": "wann kann ich anrufen?",
            "es": "¿cuándo puedo llamar?", "pl": "kiedy mogę zadzwonić?", "ro": "când pot să sun?",
            "uk": "коли можна подзвонити?", "ar": "متى أقدر أتصل؟"}
    assert [code for code, text in when.items() if asks_whom_to_call(text, code)] == []


def test_a_need_told_around_someone_is_a_question_about_the_entry_found():
    # "kann mal jemand über meinen lebenslauf schauen?": request_human 0.83, the CV drop-in understood.
    before = ranking(request_human=0.83, ask_hours=0.12, ask_topic=0.05)
    after = adjust(before[0], before, has_topic=True, understood=True, entry="cv_drop_in", chat=0.0)
    assert after[0]["name"] == "ask_hours" and round(after[0]["confidence"], 2) == 0.95
    # Asking for someone at the house itself stays a request for a person; so does one with no entry.
    assert adjust(before[0], before, has_topic=True, understood=True, entry="ihnd") is before
    assert adjust(before[0], before, has_topic=True, understood=False) is before
    # So does a bare request the topic model guesses an entry for but hears chit-chat in: "хочу
    # поговорити з людиною" (I want to talk to a person) was the tax agency (0.49, chat 0.24).
    bare = ranking(request_human=1.0, bot_challenge=0.0, ask_contact=0.0, out_of_scope=0.0)
    assert adjust(bare[0], bare, has_topic=True, understood=True, entry="tax_agency", chat=0.24) is bare


def test_a_question_is_not_a_goodbye_a_yes_or_a_no_unless_none_of_ours():
    """"do I have to take a test?" (after the driving licence) was read as goodbye 0.87."""
    from bot.nlu.topic_scope import adjust_without_topic, is_question

    assert is_question("do I have to take a test?") and is_question("وهل أذهب مباشرة إلى هناك؟ ")
    assert not is_question("bye, thanks") and not is_question("¿es obligatoria")
    assert is_question("tengo que pedirlo yo? venimos de España")  # the question mark ends a sentence
    before = ranking(goodbye=0.87, ask_topic=0.08, out_of_scope=0.05)
    after = adjust_without_topic(before, follow_up=0.3, none=0.02, chat=0.21, question=True)
    assert [(item["name"], round(item["confidence"], 2)) for item in after] == [
        ("ask_topic", 1.0), ("goodbye", 0.0), ("out_of_scope", 0.0)]
    # Not a question, or a question the model places outside our content: the goodbye stays.
    assert adjust_without_topic(before, follow_up=0.3, none=0.02, chat=0.21) is before
    assert adjust_without_topic(before, follow_up=0.0, none=0.7, chat=0.1, question=True) is before
    # A greeting may be a question ("hello, anyone there?"); a language switch is never overruled.
    hello = ranking(greet=0.9, ask_topic=0.1)
    assert adjust_without_topic(hello, follow_up=0.1, none=0.0, question=True) is hello
    # A weak greeting on a question with no chit-chat in it is a question ("kiedy rusza następna grupa?").
    weak = ranking(greet=0.45, ask_topic=0.3, ask_hours=0.25)
    after = adjust_without_topic(weak, follow_up=0.28, none=0.09, chat=0.07, question=True)
    assert (after[0]["name"], round(after[0]["confidence"], 2)) == ("ask_topic", 0.75)
    assert adjust_without_topic(weak, follow_up=0.28, none=0.09, chat=0.3, question=True) is weak
    switch = ranking(switch_language=0.9, ask_topic=0.1)
    assert adjust_without_topic(switch, follow_up=0.1, none=0.0, question=True) is switch


def test_a_language_switch_asked_as_a_follow_up_question_is_about_the_topic():
    """"is it in english?" after Spouse Space: switch_language 0.98, follow-up 1.00, chit-chat 0.00."""
    from bot.nlu.topic_scope import adjust_without_topic

    before = ranking(switch_language=0.98, ask_address=0.01, ask_topic=0.005, greet=0.005)
    after = adjust_without_topic(before, follow_up=0.9999, none=0.0, chat=0.0, question=True, words=4)
    assert [(item["name"], round(item["confidence"], 3)) for item in after] == [
        ("ask_address", 0.995), ("ask_topic", 0.005), ("switch_language", 0.0), ("greet", 0.0)]
    # A real request to switch is chit-chat to the topic model; two words stay a switch; so does a
    # statement, or a question the model is not sure follows up.
    assert adjust_without_topic(before, follow_up=0.0003, none=0.0, chat=0.9994, question=True, words=5) is before
    assert adjust_without_topic(before, follow_up=0.96, none=0.0, chat=0.016, question=True, words=2) is before
    assert adjust_without_topic(before, follow_up=0.9999, none=0.0, chat=0.0, question=False, words=4) is before
    assert adjust_without_topic(before, follow_up=0.4, none=0.0, chat=0.0, question=True, words=4) is before
    # "geht auch mein deutsches konto?" after NemKonto: follow-up 0.79, chit-chat 0.00 asks about the account.
    german = ranking(switch_language=0.61, out_of_scope=0.19, goodbye=0.07, ask_topic=0.05, bot_challenge=0.08)
    after = adjust_without_topic(german, follow_up=0.79, none=0.0, chat=0.0, question=True, words=5)
    assert (after[0]["name"], round(after[0]["confidence"], 2)) == ("ask_topic", 1.0)


def test_a_message_with_no_word_our_examples_had_is_a_fallback():
    from bot.nlu.topic_scope import not_understood

    before = ranking(ask_address=0.97, greet=0.03)
    after = not_understood(before)
    assert [(item["name"], item["confidence"]) for item in after] == [
        ("nlu_fallback", 1.0), ("ask_address", 0.0), ("greet", 0.0)]


def test_two_close_question_intents_on_a_message_about_an_entry_are_settled_for_the_whole_answer():
    """The housing waiting list in Romanian: ask_topic 0.49, ask_contact 0.45 went to the content search."""
    from bot.nlu.topic_scope import settle_question_kind

    before = ranking(ask_topic=0.487, ask_contact=0.453, ask_address=0.06)
    after = settle_question_kind(before)
    assert [(item["name"], round(item["confidence"], 2)) for item in after] == [
        ("ask_topic", 0.94), ("ask_address", 0.06), ("ask_contact", 0.0)]
    # A clear lead, or a tie without ask_topic, stays.
    clear = ranking(ask_topic=0.6, ask_contact=0.4)
    assert settle_question_kind(clear) is clear
    other = ranking(ask_contact=0.48, ask_address=0.46, ask_topic=0.06)
    assert settle_question_kind(other) is other


def test_the_stored_ranking_keeps_the_ten_best_intents():
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.topic_scope import KEPT_RANKING, TopicScopeAdjuster

    full = ranking(**{f"intent_{index:02d}": (20 - index) / 210 for index in range(15)})
    message = Message(data={"text": "hello there", "intent": full[0], "intent_ranking": full, "entities": []})
    TopicScopeAdjuster().process([message])
    assert [item["name"] for item in message.get("intent_ranking")] == [item["name"] for item in full[:KEPT_RANKING]]


def test_a_language_the_user_lacks_is_no_switch():
    """"what if I don't speak Danish?" was read as switch_language 0.73: it goes to the question intents."""
    from bot.nlu.topic_scope import language_denied

    before = ranking(switch_language=0.73, ask_topic=0.15, chitchat=0.08, ask_contact=0.04)
    after = language_denied(before)
    assert after[0]["name"] == "ask_topic" and round(after[0]["confidence"], 2) == 0.88
    assert {"name": "switch_language", "confidence": 0.0} in after
    only_chat = ranking(switch_language=0.9, greet=0.1)
    assert language_denied(only_chat) is only_chat


def test_a_language_switch_naming_no_language_is_a_follow_up_when_the_topic_model_hears_no_chitchat():
    """"kann man einfach so vorbeigehen" after the family doctor: switch 0.41, follow-up 0.61, chat 0.05."""
    from bot.nlu.topic_scope import adjust_without_topic

    switch = ranking(switch_language=0.41, ask_topic=0.3, greet=0.29)
    after = adjust_without_topic(switch, follow_up=0.61, none=0.01, chat=0.05, names_language=False)
    assert after[0] == {"name": "ask_topic", "confidence": 1.0}
    # A language named ("auf deutsch bitte"), or chit-chat heard, keeps the switch.
    assert adjust_without_topic(switch, follow_up=0.61, none=0.01, chat=0.05, names_language=True) is switch
    assert adjust_without_topic(switch, follow_up=0.61, none=0.01, chat=0.5, names_language=False) is switch


def test_a_question_naming_a_topic_is_no_bot_challenge_when_the_topic_model_hears_no_chitchat():
    """"und kindergeld, kommt das automatisch?" was bot_challenge 0.94 (chit-chat 0.00)."""
    automatic = ranking(bot_challenge=0.94, ask_topic=0.06)
    after = adjust(automatic[0], automatic, has_topic=True, understood=True, chat=0.0, question=True)
    assert after[0] == {"name": "ask_topic", "confidence": 1.0}
    # "are you a bot or someone from International House?": the topic model hears chit-chat.
    assert adjust(automatic[0], automatic, has_topic=True, understood=True, chat=0.9, question=True) is automatic


def test_a_message_opening_with_a_word_of_question_asks_in_every_language():
    from bot.nlu.topic_scope import is_question

    asks = {"en": "and how long does it take", "da": "og hvad koster det",
            "de": "was muss er nach dem antrag noch machen", "es": "y cuanto cuesta eso", "pl": "a ile to kosztuje",
            "ro": "si cat costa", "uk": "а скільки це коштує",
            "ar": "وشو اسم المدرسة"}
    assert [language for language, text in asks.items() if not is_question(text, language)] == []
    tells = {"en": "ok bye, see you", "da": "tak for hjælpen", "de": "danke schön", "es": "vale gracias",
             "pl": "dzięki wielkie", "ro": "mersi mult", "uk": "дякую, до побачення", "ar": "ما عندي cpr"}
    assert [language for language, text in tells.items() if is_question(text, language)] == []
    # A question mark is enough in any language; an unknown language reads every language's words.
    assert is_question("CPR?") and is_question("hvad er det", None)


def test_every_language_has_words_of_question():
    from bot.nlu.topic_scope import _openers
    from bot.settings import get_settings

    assert all(_openers(language)[0] and _openers(language)[1] for language in get_settings().languages)
