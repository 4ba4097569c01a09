"""Short messages in a script only one supported language uses are in that language."""

from __future__ import annotations

from bot.nlu.language_detector import language_by_script, script_languages

SUPPORTED = ("en", "da", "de", "es", "pl", "ro", "uk", "ar")


def test_the_scripts_come_from_cldr_and_only_unique_non_latin_ones_count():
    assert script_languages(SUPPORTED) == {"ARABIC": "ar", "CYRILLIC": "uk"}
    # Two supported languages in one script: the script tells nothing.
    assert script_languages(("uk", "bg", "en")) == {}


def test_a_short_message_is_in_the_language_of_its_script():
    scripts = script_languages(SUPPORTED)
    assert language_by_script("رقم SIRI", scripts) == "ar"
    assert language_by_script("адреса BusinessAalborg", scripts) == "uk"
    assert language_by_script("Nørresundby?", scripts) is None  # Latin letters: detection decides
    assert language_by_script("CPR 123", scripts) is None
    assert language_by_script("адреса عنوان", scripts) is None  # two scripts: unclear


def test_letters_only_one_language_writes_are_learned_from_the_training_texts():
    from bot.nlu.language_detector import LETTER_MIN_WORDS, distinctive_letters, language_by_letters

    many = LETTER_MIN_WORDS
    texts = {
        "ro": ["unde mă duc pentru asta"] * many,
        "pl": ["gdzie się zapisać"] * many,
        # Danish words borrowed by every language: "æ" is not one language's letter.
        "da": ["lægevagten er åben"] * many,
        "en": ["number of the lægevagt"] * many,
        "de": ["wo ist die lægevagt"] * many,
    }
    letters = distinctive_letters(texts)
    assert letters == {"ă": "ro", "ę": "pl", "ć": "pl", "å": "da"}
    assert language_by_letters("Sprogcenter ține de cine? mă", letters) == "ro"
    assert language_by_letters("telefono de la lægevagt", letters) is None  # æ tells nothing
    assert language_by_letters("się mă", letters) is None  # two languages' letters: unclear
    # Rare letters (fewer than LETTER_MIN_WORDS training words) are not trusted.
    assert distinctive_letters({"ro": ["ț"] * (many - 1), "pl": ["x"]}) == {}


def test_telling_words_decide_a_message_too_short_for_lingua():
    """"unde e International House?" was answered in English: two words are left after the name."""
    from bot.nlu.language_detector import TELLING_MIN, VocabularyModel

    counts = {
        "ro": {"unde": TELLING_MIN, "adresa": TELLING_MIN, "e": 40, "nu": TELLING_MIN - 1},
        "en": {"where": TELLING_MIN, "is": 40, "e": 1},
        "da": {"hvor": TELLING_MIN, "er": 40},
        "pl": {"gdzie": TELLING_MIN},
    }
    model = VocabularyModel(counts)
    assert model.telling_language("unde e  ?") == "ro"
    assert model.telling_language("adresa  ?") == "ro"
    assert model.telling_language("where is it") == "en"
    # A word in two languages' data ("e"), or seen too rarely ("nu"), tells nothing; words of two
    # languages leave the message undecided.
    assert model.telling_language("e ?") is None
    assert model.telling_language("nu") is None
    assert model.telling_language("unde where") is None


def test_cldr_letters_tell_arabic_from_persian_and_ukrainian_from_russian():
    from bot.nlu.language_detector import cldr_letters, written_in_own_letters

    assert {"ي", "ك", "ة"} <= cldr_letters("ar") - cldr_letters("fa")
    assert {"پ", "چ", "ژ", "گ", "ک", "ی"} <= cldr_letters("fa") - cldr_letters("ar")
    assert {"і", "ї", "є", "ґ"} <= cldr_letters("uk") - cldr_letters("ru")
    assert written_in_own_letters("يعني إيه NemKonto أصلاً وليه لازم؟", "ar", "fa")
    assert not written_in_own_letters("من کجا می توانم شماره سی پی آر بگیرم؟", "ar", "fa")
    assert not written_in_own_letters("Мне нужен номер CPR, куда идти?", "uk", "ru")
    assert written_in_own_letters("а з українським паспортом можна?", "uk", "ru")


def test_dialect_arabic_is_not_read_as_persian_and_persian_and_russian_stay_unsupported():
    """Lingua's low-accuracy mode read these two Arabic questions as Persian (1.0), 2026-12-06."""
    from bot.nlu.language_detector import Detector

    detector = Detector(SUPPORTED, ["fa", "ru", "fr"], {}, min_words=3, min_confidence=0.5)
    assert detector.detect("البنك طلب مني  وإثبات عنوان عشان يفتحلي . يعني إيه  أصلاً وليه لازم؟")[0] == "ar"
    assert detector.detect("شو بيمول  ؟", words=3)[0] == "ar"
    assert detector.detect("من کجا می توانم شماره سی پی آر بگیرم؟")[0] == "fa"
    assert detector.detect("Мне нужен номер, куда идти?")[0] == "ru"
    assert detector.detect("Bonjour, où se trouve la maison s'il vous plaît ?")[0] == "fr"


def test_a_message_that_looks_foreign_only_without_its_names_is_judged_whole():
    """"trabajadores extranjeros" found as a name left "Mi esposa busca actividades para parejas de ."
    (Portuguese 0.85 to lingua's trigrams): the Spanish message was answered in English, 2026-12-06."""
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.language_detector import LanguageDetector

    component = LanguageDetector({}, None, None, SUPPORTED)  # type: ignore[arg-type]
    text = "Mi esposa busca actividades para parejas de trabajadores extranjeros."
    start = text.index("trabajadores")
    name = {"entity": "topic", "value": "spouse_space", "start": start, "end": len(text) - 1}
    assert component.detector.detect("Mi esposa busca actividades para parejas de  .")[0] == "pt"
    found = component.detect(Message(data={"text": text, "entities": [name]}))
    assert (found["entity"], found["value"]) == ("detected_language", "es")
    # A foreign message stays foreign when its names are put back.
    french = "Bonjour, où se trouve International House North Denmark s'il vous plaît ?"
    start = french.index("International")
    end = start + len("International House North Denmark")
    house = {"entity": "topic", "value": "ihnd", "start": start, "end": end}
    found = component.detect(Message(data={"text": french, "entities": [house]}))
    assert (found["entity"], found["value"]) == ("unsupported_language", "fr")


def test_arabic_in_latin_letters_with_digits_is_arabic():
    """Arabizi ("Arabic chat alphabet") was answered in Danish: lingua reads its Latin letters as any
    Latin-script language (2026-12-07)."""
    from bot.nlu.language_detector import Detector, in_arabic_chat_letters

    assert in_arabic_chat_letters("3ayez a3raf el mawa3id bta3 el international house")
    assert in_arabic_chat_letters("ibni 3ando 7arara men embare7, wein arou7?")
    # Ordinals, times, levels and module names are no chat-alphabet words.
    assert not in_arabic_chat_letters("can I come on the 2nd at 9am or at 7pm?")
    assert not in_arabic_chat_letters("I passed PD3 module 5 and have B2 Danish")
    assert not in_arabic_chat_letters("only one w3rd here with a digit")
    # The digit at a word's end after two letters ("ta3", "embare7") counts too, not DU2/PD2 or A2/B2.
    assert in_arabic_chat_letters("lissa ma sajjalt 3al venteliste ta3 bo i nord")
    assert in_arabic_chat_letters("sajjalt el CPR embare7 w el kart ma wsel, sa3a kam yiftaho?")
    assert not in_arabic_chat_letters("du2 or du3, and is pd2 harder than pd3?")
    assert not in_arabic_chat_letters("level a2 or b2 after module 3")
    # A word with two digits counts ("by2dfa3o"); one digit word and two everyday Arabizi words do,
    # and three such words without a digit; "B2B" and "B2C" do not.
    assert in_arabic_chat_letters("bt2oul el sharika by2dfa3o")
    assert in_arabic_chat_letters("ana lessa ma3andish login")
    assert in_arabic_chat_letters("momken gozi kaman yesajjel?")
    assert not in_arabic_chat_letters("we sell b2b and b2c software from aalborg")
    assert not in_arabic_chat_letters("el bus 2 sale a las 7 de la mañana?")
    # More everyday words: "where do I buy", "without", "which", "how much", "from", "to the".
    assert in_arabic_chat_letters("sim card bdoon cpr, anhy sherka? ana lessa wasel mn yomen")
    assert in_arabic_chat_letters("wein ashtri tazkara lel bus men el matar lel center?")
    assert in_arabic_chat_letters("el kart el asfar mawsalsh lessa, a3mel eh?")
    detector = Detector(SUPPORTED, ["fa", "ru", "fr"], {}, min_words=3, min_confidence=0.5)
    assert detector.detect("3ayez a3raf el mawa3id bta3 el international house")[0] == "ar"
    assert detector.detect("can I come on the 2nd at 9am or at 7pm?")[0] == "en"



def test_letters_of_one_of_our_languages_beat_a_reading_as_a_language_answered_as_another():
    """"Będę codziennie dojeżdżać z Aalborga do Frederikshavn" read as Nynorsk (0.81), which is
    answered in Danish: Danish never writes "ę" or "ż" (2026-12-07)."""
    from bot.nlu.language_detector import Detector

    detector = Detector(SUPPORTED, ["fr", "nn", "nb", "sv"], {"nn": "da", "nb": "da", "sv": "da"}, min_words=3,
                        min_confidence=0.5, letters={"ę": "pl", "ż": "pl", "ć": "pl", "ł": "pl"})
    assert detector.detect("Będę codziennie dojeżdżać z Aalborga do Frederikshavn") == ("pl", 1.0)
    assert detector.detect("Jeg skal pendle hver dag fra Aalborg til Frederikshavn")[0] == "da"
