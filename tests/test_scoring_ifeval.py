"""Instruction checkers (scoring.ifeval) and per-language words/sentences (scoring.segment).

Every instruction id of the staged M-IFEval files has, in its language, a hand-written response
that follows it and one that does not. Run: pytest tests/test_scoring_ifeval.py -v
"""

import json

import pytest

from xling.data.benchmarks.mifeval import LANGS as MIFEVAL_LANGS
from xling.languages import LANGUAGES, STUDY_LANGS
from xling.schema import XlingError
from xling.scoring import judge
from xling.scoring.ifeval import CHECKERS, base_id, check_instruction, is_known, score_ifeval
from xling.scoring.segment import count_sentences, count_words, sentences, words

EN_LONG = "This is a short answer written in plain English for the reader to enjoy today."
ES_LONG = "Esta es una respuesta corta escrita en español para que el lector la disfrute hoy."
FR_LONG = "Ceci est une réponse courte écrite en français pour que le lecteur la lise aujourd'hui."

# (lang, instruction id, kwargs, a response that follows it, a response that does not)
CASES = [
    # ------------------------------------------------------------------ en (IFEval)
    ("en", "change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "at least"},
     "The NASA and ESA missions.", "The Nasa mission."),
    ("en", "change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "less than"},
     "Only NASA here.", "NASA ESA JAXA."),
    ("en", "change_case:english_capital", {}, EN_LONG.upper(), EN_LONG),
    ("en", "change_case:english_lowercase", {}, EN_LONG.lower(), EN_LONG),
    ("en", "combination:repeat_prompt", {"prompt_to_repeat": "Write a poem."},
     "Write a poem. Roses are red.", "Sure! Write a poem. Roses are red."),
    ("en", "combination:two_responses", {}, "First answer.\n******\nSecond answer.",
     "First answer.\n******\nFirst answer."),
    ("en", "detectable_content:number_placeholders", {"num_placeholders": 2},
     "Dear [name], meet me at [address].", "Dear [name], see you."),
    ("en", "detectable_content:postscript", {"postscript_marker": "P.S."},
     "Hello.\nP.S. Bring cake.", "Hello. Bring cake."),
    ("en", "detectable_content:postscript", {"postscript_marker": "P.P.S"},
     "Hello.\nP. P. S. Bring cake.", "Hello.\nP.S. Bring cake."),
    ("en", "detectable_format:constrained_response", {}, "My answer is yes.", "Yes, definitely."),
    ("en", "detectable_format:json_format", {}, '```json\n{"a": 1}\n```', "a: 1"),
    ("en", "detectable_format:multiple_sections", {"section_spliter": "SECTION", "num_sections": 2},
     "SECTION 1\nIntro.\nSECTION 2\nBody.", "SECTION 1\nIntro only."),
    ("en", "detectable_format:number_bullet_lists", {"num_bullets": 2}, "* one\n* two",
     "* one\n* two\n- three"),
    ("en", "detectable_format:number_highlighted_sections", {"num_highlights": 2},
     "This *is* very **important**.", "This is *important*."),
    ("en", "detectable_format:title", {}, "<<Ode to Joy>>\nLa la la.", "Ode to Joy\nLa la la."),
    ("en", "keywords:existence", {"keywords": ["river", "stone"]}, "A Stone by the river.",
     "A stone by the lake."),
    ("en", "keywords:forbidden_words", {"forbidden_words": ["cat"]}, "Concatenate the dogs.",
     "The Cat sat."),
    ("en", "keywords:frequency", {"keyword": "rain", "frequency": 2, "relation": "at least"},
     "Rain, rain, go away.", "Rain, go away."),
    ("en", "keywords:letter_frequency", {"letter": "z", "let_frequency": 2, "let_relation": "at least"},
     "Zebras zoom.", "Zebras run."),
    ("en", "language:response_language", {"language": "de"},
     "Das ist eine kurze Antwort auf Deutsch, die der Leser heute genießen kann.", EN_LONG),
    ("en", "length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "summary"},
     "Intro text.\n\nSummary: it works.", "Intro text.\n\nIn summary it works."),
    ("en", "length_constraints:number_paragraphs", {"num_paragraphs": 2}, "One.\n***\nTwo.",
     "One.\n***\n***\nTwo."),
    ("en", "length_constraints:number_sentences", {"num_sentences": 3, "relation": "less than"},
     "Dr. Smith paid $3.50 today. He left.", "One. Two. Three."),
    ("en", "length_constraints:number_words", {"num_words": 5, "relation": "at least"},
     "One two three four five.", "One two three four."),
    ("en", "punctuation:no_comma", {}, "No commas here.", "Yes, commas here."),
    ("en", "startend:end_checker", {"end_phrase": "Any other questions?"},
     "Done. Any other questions?", "Any other questions? Done."),
    ("en", "startend:quotation", {}, '"All quoted."', "Not quoted."),
    # ------------------------------------------------------------------ es (M-IFEval)
    ("es", "change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "al menos"},
     "La ONU y la OTAN.", "La Onu."),
    ("es", "change_case:capital_word_frequency", {"capital_frequency": 1, "capital_relation": "como máximo"},
     "Solo la ONU.", "La ONU y la OTAN."),
    ("es", "change_case:spanish_capital", {}, ES_LONG.upper(), ES_LONG),
    ("es", "change_case:spanish_lowercase", {}, ES_LONG.lower(), ES_LONG),
    ("es", "combination:repeat_prompt", {"prompt_to_repeat": "Escribe un poema."},
     "Escribe un poema. Las rosas son rojas.", "Claro. Las rosas son rojas."),
    ("es", "combination:two_responses", {}, "Primera.\n******\nSegunda.", "Primera y segunda."),
    ("es", "detectable_content:number_placeholders", {"num_placeholders": 2, "relation": "al menos"},
     "Hola [nombre], vive en [dirección].", "Hola [nombre]."),
    ("es", "detectable_content:postscript", {"postscript_marker": "P.D."},
     "Hola.\nP.D. Trae pastel.", "Hola. Trae pastel."),
    ("es", "detectable_format:constrained_response", {}, "Sí.", "Claro que sí"),
    ("es", "detectable_format:json_format", {}, '{"nombre": "Ana"}', "nombre: Ana"),
    ("es", "detectable_format:multiple_sections",
     {"section_spliter": "Sección", "num_sections": 2, "relation": "al menos"},
     "Sección 1\nUno.\nSección 2\nDos.", "Sección 1\nUno."),
    ("es", "detectable_format:number_bullet_lists", {"num_bullets": 2}, "* uno\n* dos", "* uno"),
    ("es", "detectable_format:number_highlighted_sections", {"num_highlights": 1, "relation": "al menos"},
     "Esto es *importante*.", "Esto es importante."),
    ("es", "detectable_format:title", {}, "<<Oda a la alegría>>\nTexto.", "Oda a la alegría\nTexto."),
    ("es", "keywords:existence", {"keywords": ["río"]}, "Un paseo por el Río.", "Un paseo por el lago."),
    ("es", "keywords:forbidden_words", {"forbidden_words": ["gato"]}, "Los gatos duermen.",
     "El gato duerme."),
    ("es", "keywords:frequency", {"keyword": "sol", "frequency": 2, "relation": "como máximo"},
     "El sol brilla.", "Sol, sol, sol."),
    ("es", "keywords:letter_frequency", {"letter": "b", "let_frequency": 2, "let_relation": "al menos"},
     "Bebe agua.", "Come pan."),
    ("es", "language:response_language", {"language": "it"},
     "Questa è una breve risposta scritta in italiano per il lettore di oggi.", ES_LONG),
    ("es", "length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 1, "first_word": "Desde mi punto de vista"},
     "Desde mi punto de vista, sí.\n\nFin.", "Creo que sí.\n\nFin."),
    ("es", "length_constraints:number_paragraphs", {"num_paragraphs": 3}, "Uno.\n***\nDos.\n***\nTres.",
     "Uno.\n***\nDos."),
    ("es", "length_constraints:number_sentences", {"num_sentences": 2, "relation": "al menos"},
     "¿Qué es? Es un gato.", "Es un gato."),
    ("es", "length_constraints:number_words", {"num_words": 3, "relation": "como máximo"},
     "Hola a todos.", "Hola a todos los amigos."),
    ("es", "punctuation:exclamation_marks", {}, "¡Qué bonito día!", "Qué bonito día!"),
    ("es", "punctuation:no_comma", {}, "Sin comas aquí.", "Sí, hay comas."),
    ("es", "punctuation:question_marks", {}, "¿Vienes mañana?", "Vienes mañana?"),
    ("es", "special_character:dieresis", {"let_frequency": 2}, "La pingüina habla de lingüística.",
     "El pingüino duerme."),
    ("es", "special_character:enie", {"let_frequency": 2}, "El niño y la niña juegan.",
     "El niño juega mañana con la niña."),
    ("es", "special_character:tildes", {"num_words": 2, "relation": "al menos"},
     "Está aquí el camión.", "Esta casa."),
    ("es", "startend:end_checker", {"end_phrase": "¿Necesitas algo más?"},
     "Listo. ¿Necesitas algo más?", "¿Necesitas algo más? Listo."),
    ("es", "startend:quotation", {}, '"Todo entre comillas."', "Sin comillas."),
    # ------------------------------------------------------------------ fr (M-IFEval)
    ("fr", "change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "au moins"},
     "La SNCF et la RATP.", "La Sncf."),
    ("fr", "change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "moins de"},
     "La SNCF.", "La SNCF et la RATP."),
    ("fr", "change_case:french_capital", {}, FR_LONG.upper(), FR_LONG),
    ("fr", "change_case:french_lowercase", {}, FR_LONG.lower(), FR_LONG),
    ("fr", "combination:repeat_prompt", {"prompt_to_repeat": "Écris un poème."},
     "écris un poème. Les roses sont rouges.", "Voici : Les roses sont rouges."),
    ("fr", "combination:two_responses", {}, "Première.\n******\nDeuxième.", "Première.\n******\n"),
    ("fr", "detectable_content:informal_address", {}, "Je t'aime et tu le sais.",
     "Vous êtes le bienvenu."),
    ("fr", "detectable_content:no_digits", {}, "Il a vingt ans.", "Il a 20 ans."),
    ("fr", "detectable_content:number_placeholders", {"num_placeholders": 1}, "Bonjour [nom].",
     "Bonjour."),
    ("fr", "detectable_content:postscript", {"postscript_marker": "P.-S."},
     "Salut.\nP.-S. À bientôt.", "Salut. À bientôt."),
    ("fr", "detectable_format:constrained_response", {}, "Peut-être.", "Je ne sais pas"),
    ("fr", "detectable_format:json_format", {}, '{"ville": "Paris"}', "{ville: Paris}"),
    ("fr", "detectable_format:multiple_sections", {"section_spliter": "Partie", "num_sections": 2},
     "Partie 1\nDébut.\nPartie 2\nFin.", "Partie 1\nDébut et fin."),
    ("fr", "detectable_format:number_bullet_lists", {"num_bullets": 1}, "- un seul point",
     "- un\n- deux"),
    ("fr", "detectable_format:number_highlighted_sections", {"num_highlights": 2},
     "*Un* et **deux**.", "Un et deux."),
    ("fr", "detectable_format:title", {}, "<<Hymne à la joie>>\nTexte.", "Hymne à la joie\nTexte."),
    ("fr", "keywords:existence", {"keywords": ["château"]}, "Le Château est beau.",
     "La maison est belle."),
    ("fr", "keywords:forbidden_words", {"forbidden_words": ["chat"]}, "Le chaton dort.",
     "Le chat dort."),
    ("fr", "keywords:frequency", {"keyword": "pain", "frequency": 2, "relation": "moins de"},
     "Du pain.", "Du pain et du pain."),
    ("fr", "keywords:letter_frequency", {"letter": "z", "let_frequency": 1, "let_relation": "au moins"},
     "Zut alors.", "Mince alors."),
    ("fr", "language:response_language", {"language": "ja"},
     "これは日本語で書かれた短い答えです。今日は良い天気ですね。", FR_LONG),
    ("fr", "length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "Cela"},
     "Début.\n\n« Cela suffit. »", "Début.\n\nCeci suffit."),
    ("fr", "length_constraints:number_paragraphs", {"num_paragraphs": 1}, "Un seul paragraphe.",
     "Un.\n***\nDeux."),
    ("fr", "length_constraints:number_sentences", {"num_sentences": 2, "relation": "moins de"},
     "Il a dit « bonjour. »", "Bonjour. Au revoir."),
    ("fr", "length_constraints:number_words", {"num_words": 4, "relation": "au moins"},
     "Le chat dort bien.", "Le chat dort."),
    ("fr", "punctuation:no_comma", {}, "Pas de virgule.", "Oui, une virgule."),
    ("fr", "special_character:accents", {"word_to_accentuate": "{'ecole': 'école', 'a': 'à'}"},
     "Il va à l'école.", "Il va a l'ecole."),
    ("fr", "special_character:ethel_or_cedilla", {"forbidden_char": "ç"}, "Le garcon lit.",
     "Le garçon lit."),
    ("fr", "special_character:no_accents", {}, "Il fait beau a Paris.", "Il fait très beau."),
    ("fr", "startend:end_checker", {"end_phrase": "D'autres questions ?"},
     "Voilà. D'autres questions ?", "D'autres questions ? Voilà."),
    ("fr", "startend:quotation", {}, "« Tout est entre guillemets. »", "Rien entre guillemets."),
    # ------------------------------------------------------------------ ja (M-IFEval)
    ("ja", "combination:repeat_prompt", {"prompt_to_repeat": "詩を書いてください。"},
     "詩を書いてください。春の風。", "はい。春の風。"),
    ("ja", "combination:two_responses", {}, "答え一。\n******\n答え二。", "答え一。"),
    ("ja", "detectable_content:number_placeholders", {"num_placeholders": 2}, "[名前]さんは[場所]に住む。",
     "[名前]さんは東京に住む。"),
    ("ja", "detectable_content:postscript", {"postscript_marker": "追伸"}, "こんにちは。\n追伸：またね。",
     "こんにちは。またね。"),
    ("ja", "detectable_format:constrained_response", {}, "はい、そうです。", "そうかもしれない。"),
    ("ja", "detectable_format:json_format", {}, '```\n{"名前": "太郎"}\n```', "名前は太郎"),
    ("ja", "detectable_format:multiple_sections", {"section_spliter": "章", "num_sections": 2},
     "第1章\n始まり。\n第２章\n終わり。", "第1章\n始まりと終わり。"),
    ("ja", "detectable_format:nominal_ending", {"count": 2}, "美しい夕焼け。静かな海。",
     "夕焼けが美しい。海は静かだ。"),
    ("ja", "detectable_format:number_bullet_lists", {"num_bullets": 2}, "・りんご\n・みかん",
     "・りんご\n・みかん\n・ぶどう"),
    ("ja", "detectable_format:number_highlighted_sections", {"num_highlights": 1}, "これは《重要》です。",
     "これは重要です。"),
    ("ja", "detectable_format:number_numbered_lists", {"num_items": 2}, "1. りんご\n2. みかん",
     "1. りんご"),
    ("ja", "detectable_format:title", {}, "『喜びの詩』\n本文。", "喜びの詩\n本文。"),
    ("ja", "keywords:existence", {"keywords": ["自転車"]}, "自転車で行きます。", "車で行きます。"),
    ("ja", "keywords:forbidden_words", {"forbidden_words": ["海"]}, "海外に行きます。", "海に行きます。"),
    ("ja", "keywords:frequency", {"keyword": "猫", "frequency": 2, "relation": "以上"},
     "猫と猫が遊ぶ。", "猫が遊ぶ。"),
    ("ja", "keywords:letter_frequency", {"letter": "か", "let_frequency": 2, "let_relation": "以上"},
     "かわいいカメラ。", "かわいい犬。"),
    ("ja", "language:response_language", {"language": "fr"}, FR_LONG,
     "これは日本語で書かれた短い答えです。"),
    ("ja", "length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "愛"},
     "はじめに。\n\n「愛は大切です。", "はじめに。\n\n大切なのは愛です。"),
    ("ja", "length_constraints:number_letters", {"num_letters": 10, "relation": "未満"}, "短い答え。",
     "これはとても長い答えになります。"),
    ("ja", "length_constraints:number_paragraphs", {"num_paragraphs": 2}, "一つ目。\n***\n二つ目。",
     "一つ目。二つ目。"),
    ("ja", "length_constraints:number_sentences", {"num_sentences": 3, "relation": "以上"},
     "晴れです。暑いです！海へ行こう？", "晴れです。暑いです。"),
    ("ja", "letters:furigana", {}, "漢字（かんじ）を読（よ）む。", "漢字（かんじ）を読む。"),
    ("ja", "letters:hiragana_only", {}, "きょうは はれです。", "今日ははれです。"),
    ("ja", "letters:kanji", {"kanji_limit": 3, "relation": "未満"}, "きょうは晴れ。", "今日は晴天。"),
    ("ja", "letters:kansuuji", {}, "三月に十人来た。", "3月に10人来た。"),
    ("ja", "letters:katakana_only", {}, "コンニチハ、ヴァイオリン。", "コンニチハ、元気。"),
    ("ja", "letters:no_hiragana", {}, "東京タワー、高イ。", "東京タワーは高い。"),
    ("ja", "letters:no_katakana", {}, "東京の塔は高い。", "東京タワーは高い。"),
    ("ja", "punctuation:no_comma", {}, "今日は晴れです。", "今日は、晴れです。"),
    ("ja", "punctuation:no_period", {}, "今日は晴れです", "今日は晴れです。"),
    ("ja", "startend:end_checker", {"end_phrase": "他にご質問はありますか？"},
     "以上です。他にご質問はありますか？", "他にご質問はありますか？以上です。"),
    ("ja", "startend:quotation", {}, "「すべて鉤括弧の中。」", "鉤括弧なし。"),
    ("ja", "startend:sentence_unified_end", {"ending": "です"}, "晴れです。「雨だ」と彼は言ったのです。\n",
     "晴れです。雨だ。"),
]


def _case_id(case):
    return f"{case[0]}:{case[1]}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_checker_passes_and_fails_hand_written_responses(case):
    lang, instruction_id, kwargs, yes, no = case
    assert check_instruction(yes, f"{lang}:{instruction_id}", kwargs, lang) is True
    assert check_instruction(no, instruction_id, kwargs, lang) is False


def test_every_checker_has_cases():
    assert {c[1] for c in CASES} == set(CHECKERS)


def test_every_staged_instruction_is_known_and_tested_in_its_language(shared_data):
    seen: set[tuple[str, str]] = set()
    for lang in MIFEVAL_LANGS:
        for line in (shared_data / "m-ifeval" / f"{lang}_input_data.jsonl").read_text().splitlines():
            if line.strip():
                seen |= {(lang, i) for i in json.loads(line)["instruction_id_list"]}
    unknown = sorted(i for _, i in seen if not is_known(i))
    assert not unknown
    assert all(i.startswith(f"{lang}:") for lang, i in seen)
    tested = {(c[0], c[1]) for c in CASES}
    assert {(lang, base_id(i)) for lang, i in seen} <= tested
    assert len(seen) == 25 + 30 + 30 + 33  # instruction types per language (MANIFEST.md)


def test_loose_accepts_what_strict_rejects():
    cases = [  # (response, id, kwargs): fails strict, passes after IFEval's loose edits
        ('Sure, here it is:\n"Quoted answer."', "startend:quotation", {}),
        ("*Summary*: done.\n\nSecond.", "length_constraints:nth_paragraph_first_word",
         {"num_paragraphs": 2, "nth_paragraph": 1, "first_word": "summary"}),
        ("Done. Any other questions?\nHope this helps!", "startend:end_checker",
         {"end_phrase": "Any other questions?"}),
    ]
    for text, instruction_id, kwargs in cases:
        assert not check_instruction(text, instruction_id, kwargs, "en")
        assert check_instruction(text, instruction_id, kwargs, "en", loose=True)
    assert not check_instruction("No quotes at all.", "startend:quotation", {}, "en", loose=True)


def test_empty_response_follows_nothing():
    assert not check_instruction("   ", "punctuation:no_comma", {}, "en")
    assert not check_instruction("", "punctuation:no_comma", {}, "en", loose=True)
    v = score_ifeval(" ", {"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}, "en")
    assert v.extracted is None and v.reason == "no-answer" and not v.correct


def test_score_ifeval_counts_unknown_instruction_as_failure():
    meta = {"instruction_id_list": ["en:punctuation:no_comma", "en:made_up:instruction"],
            "kwargs": [{}, {"x": 1}]}
    v = score_ifeval("No commas here.", meta, "en")
    assert v.correct is False and v.reason == "ifeval-unknown-instruction"
    assert v.extracted == "1/2"
    assert v.details["unknown"] == ["en:made_up:instruction"]
    assert v.details["instructions"][0] == {"id": "en:punctuation:no_comma", "strict": True,
                                            "loose": True}
    assert json.loads(json.dumps(v.details)) == v.details  # stored as JSON in eval rows
    with pytest.raises(XlingError, match="unknown instruction id 'en:made_up:instruction'"):
        check_instruction("x", "en:made_up:instruction", {}, "en")


def test_score_dispatches_ifeval_with_meta():
    meta = {"instruction_id_list": ["ja:punctuation:no_period", "ja:letters:kansuuji"],
            "kwargs": [{}, {}]}
    v = judge("三月です", "", "ja", scorer="ifeval", meta=meta)
    assert v.correct and v.extracted == "2/2" and v.details["prompt_loose"]
    assert not judge("3月です。", "", "ja", scorer="ifeval", meta=meta).correct


def test_strict_and_loose_in_details():
    meta = {"instruction_id_list": ["startend:quotation"], "kwargs": [{}]}
    v = score_ifeval('Here:\n"Quoted."', meta, "en")
    assert v.details["prompt_strict"] is False and v.details["prompt_loose"] is True


@pytest.mark.parametrize("kwargs, message", [
    ({"num_words": 5, "relation": "roughly"}, "unknown relation 'roughly'"),
    ({"num_words": 5}, "do not fit"),
    ({"num_words": 5, "relation": "at least", "colour": "red"}, "do not fit"),
])
def test_bad_kwargs_are_data_errors(kwargs, message):
    with pytest.raises(XlingError, match=message):
        check_instruction("one two", "length_constraints:number_words", kwargs, "en")


def test_null_kwargs_are_ignored_like_ifeval():
    kwargs = {"num_words": 2, "relation": "at least", "keywords": None, "language": None}
    assert check_instruction("one two", "length_constraints:number_words", kwargs, "en")


def test_relations_are_read_in_the_data_language():
    # "como máximo" is <= (M-IFEval es), "moins de" / "未満" / "less than" are <
    kw = {"num_words": 3}
    assert check_instruction("uno dos tres", "length_constraints:number_words",
                             {**kw, "relation": "como máximo"}, "es")
    for relation, lang, text in [("moins de", "fr", "un deux trois"), ("less than", "en", "a b c")]:
        assert not check_instruction(text, "length_constraints:number_words",
                                     {**kw, "relation": relation}, lang)


# ---------------------------------------------------------------- words and sentences

# lang -> (text, hand-counted words, hand-counted sentences)
COUNTS = {
    "en": ("Mr. Brown bought 3.5 kg of apples. Did he pay? Yes!", 11, 3),
    "zh": ("我今天很高兴。你呢？我们去公园吧！", 14, 3),
    "de": ("Das ist z. B. ein Haus. Es ist groß!", 9, 2),
    "es": ("¿Dónde está la estación? Está allí.", 6, 2),
    "fr": ("Il a dit « bonjour. » Puis il est parti.", 8, 2),
    "ja": ("私は東京大学で日本語を勉強しています。今日はいい天気ですね！", 17, 2),
    "ru": ("Привет, мир! Как дела? Всё хорошо.", 6, 3),
    "th": ("ผมชอบกินข้าวผัดมาก วันนี้อากาศดี", 8, 2),
    "sw": ("Habari yako? Mimi ni mzima. Asante sana.", 7, 3),
    "bn": ("আমি বাংলায় গান গাই। তুমি কী করো?", 7, 2),
    "te": ("నేను తెలుగు మాట్లాడతాను. మీరు ఎలా ఉన్నారు?", 6, 2),
}


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_words_and_sentences_in_every_registered_language(lang):
    text, n_words, n_sentences = COUNTS[lang]
    assert count_words(text, lang) == n_words, words(text, lang)
    assert count_sentences(text, lang) == n_sentences, sentences(text, lang)


def test_counts_cover_every_study_language():
    assert set(STUDY_LANGS) <= set(COUNTS)


def test_space_words_keep_indic_vowel_signs_and_drop_punctuation():
    assert words("বাংলা ভাষা।", "bn") == ["বাংলা", "ভাষা"]
    assert words("Don't stop — ever.", "en") == ["Don", "t", "stop", "ever"]  # IFEval's \w+


def test_sentences_keep_lines_and_list_numbers():
    text = "# Title\n1. First item\n2. Second item. It has two sentences.\nVisit www.example.com today."
    assert sentences(text, "en") == ["# Title", "1. First item", "2. Second item.",
                                     "It has two sentences.", "Visit www.example.com today."]


JA_HAND = [["私", "は", "東京大学", "で", "日本語", "を", "勉強", "し", "て", "い", "ます"],
           ["今日", "は", "いい", "天気", "です", "ね"],
           ["明日", "も", "晴れる", "でしょ", "う"],
           ["猫", "が", "庭", "で", "遊ん", "で", "いる"],
           ["この", "本", "は", "とても", "面白かっ", "た"],
           ["駅", "まで", "歩い", "て", "十", "分", "です"]]
TH_HAND = [["ผม", "ชอบ", "กิน", "ข้าวผัด", "มาก"],
           ["วันนี้", "อากาศ", "ดี", "มาก"],
           ["เรา", "ไป", "เที่ยว", "ทะเล", "กัน", "เถอะ"],
           ["แม่", "ไป", "ตลาด", "ตอน", "เช้า"],
           ["นักเรียน", "อ่าน", "หนังสือ", "ใน", "ห้องสมุด"],
           ["ฉัน", "อยู่", "ที่", "จังหวัด", "เชียงใหม่"]]


def _boundary_f1(lang, hand):
    def ends(ws):
        out, pos = set(), 0
        for w in ws:
            pos += len(w)
            out.add(pos)
        return out
    tp = fp = fn = exact = 0
    for gold in hand:
        got = words("".join(gold), lang)
        a, b = ends(got), ends(gold)
        tp, fp, fn = tp + len(a & b), fp + len(a - b), fn + len(b - a)
        exact += len(got) == len(gold)
    p, r = tp / (tp + fp), tp / (tp + fn)
    return 2 * p * r / (p + r), exact


def test_segmenter_accuracy_on_hand_checked_sentences():
    """The numbers in scoring/segment.py's docstring."""
    f1, exact = _boundary_f1("ja", JA_HAND)
    assert round(f1, 2) == 0.99 and exact == 5
    f1, exact = _boundary_f1("th", TH_HAND)
    assert round(f1, 2) == 0.93 and exact == 2
