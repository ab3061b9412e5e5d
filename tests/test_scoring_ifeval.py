"""Instruction checkers (scoring.ifeval, ifeval_checks, ifeval_rules) and per-language words and
sentences (scoring.segment).

Every instruction id of M-IFEval, in each of its languages, and of xIFEval has a hand-written
response that follows it and one that does not, checked by that benchmark's rules (its authors'
check_following). Run: pytest tests/test_scoring_ifeval.py -v
"""

import json

import pytest

from xling.data.benchmarks.mifeval import LANGS as MIFEVAL_LANGS
from xling.languages import LANGUAGES
from xling.schema import XlingError
from xling.scoring import judge
from xling.scoring.ifeval import CHECKERS, base_id, check_instruction, is_known, score_ifeval
from xling.scoring.ifeval_rules import (
    INSTRUCTIONS,
    MIFEVAL,
    XIFEVAL,
    XIFEVAL_LANGS,
    infer_rules,
    rules_for,
)
from xling.scoring.segment import count_sentences, count_words, sentences, words

EN_LONG = "This is a short answer written in plain English for the reader to enjoy today."
ES_LONG = "Esta es una respuesta corta escrita en español para que el lector la disfrute hoy."
FR_LONG = "Ceci est une réponse courte écrite en français pour que le lecteur la lise aujourd'hui."
M, X = MIFEVAL, XIFEVAL

# (rule set, lang, instruction id, kwargs, a response that follows it, a response that does not)
CASES = [
    # ------------------------------------------------------------------ M-IFEval en (= IFEval)
    (M, "en", "change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "at least"},
     "The NASA and ESA missions.", "The Nasa mission."),
    (M, "en", "change_case:capital_word_frequency", {"capital_frequency": 4, "capital_relation": "less than"},
     "The U.S. and CITY's NON-STOP bus.", "NASA ESA JAXA CNES."),  # nltk: U.S. and NON-STOP whole
    (M, "en", "change_case:english_capital", {}, EN_LONG.upper(), EN_LONG),
    (M, "en", "change_case:english_lowercase", {}, EN_LONG.lower(), EN_LONG),
    (M, "en", "combination:repeat_prompt", {"prompt_to_repeat": "Write a poem."},
     "Write a poem. Roses are red.", "Sure! Write a poem. Roses are red."),
    (M, "en", "combination:two_responses", {}, "First answer.\n******\nSecond answer.",
     "First answer.\n******\nFirst answer."),
    (M, "en", "detectable_content:number_placeholders", {"num_placeholders": 2},
     "Dear [name], meet me at [address].", "Dear [name], see you."),
    (M, "en", "detectable_content:postscript", {"postscript_marker": "P.S."},
     "Hello.\nP.S. Bring cake.", "Hello. Bring cake."),
    (M, "en", "detectable_content:postscript", {"postscript_marker": "P.P.S"},
     "Hello.\nP. P. S. Bring cake.", "Hello.\nP.S. Bring cake."),
    (M, "en", "detectable_format:constrained_response", {}, "My answer is yes.", "Yes, definitely."),
    (M, "en", "detectable_format:json_format", {}, '```json\n{"a": 1}\n```', "a: 1"),
    (M, "en", "detectable_format:multiple_sections", {"section_spliter": "SECTION", "num_sections": 2},
     "SECTION 1\nIntro.\nSECTION 2\nBody.", "SECTION 1\nIntro only."),
    (M, "en", "detectable_format:number_bullet_lists", {"num_bullets": 2}, "* one\n* two",
     "* one\n* two\n- three"),
    (M, "en", "detectable_format:number_highlighted_sections", {"num_highlights": 2},
     "This *is* very **important**.", "This is *important*."),
    (M, "en", "detectable_format:title", {}, "<<Ode to Joy>>\nLa la la.", "Ode to Joy\nLa la la."),
    (M, "en", "keywords:existence", {"keywords": ["river", "stone"]}, "A Stone by the river.",
     "A stone by the lake."),
    (M, "en", "keywords:forbidden_words", {"forbidden_words": ["cat"]}, "Concatenate the dogs.",
     "The Cat sat."),
    (M, "en", "keywords:frequency", {"keyword": "rain", "frequency": 2, "relation": "at least"},
     "Rain, rain, go away.", "Rain, go away."),
    (M, "en", "keywords:letter_frequency", {"letter": "z", "let_frequency": 2, "let_relation": "at least"},
     "Zebras zoom.", "Zebras run."),
    (M, "en", "language:response_language", {"language": "de"},
     "Das ist eine kurze Antwort auf Deutsch, die der Leser heute genießen kann.", EN_LONG),
    (M, "en", "length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "summary"},
     "Intro text.\n\nSummary, it works.", "Intro text.\n\nSummary: it works."),  # ":" stays
    (M, "en", "length_constraints:number_paragraphs", {"num_paragraphs": 2}, "One.\n***\nTwo.",
     "One.\n***\n***\nTwo."),
    (M, "en", "length_constraints:number_sentences", {"num_sentences": 3, "relation": "less than"},
     "Dr. Smith paid $3.50 today.\nHe left.", "One. Two. Three."),
    (M, "en", "length_constraints:number_words", {"num_words": 5, "relation": "at least"},
     "One two three four five.", "One two three four."),
    (M, "en", "punctuation:no_comma", {}, "No commas here，only this.", "Yes, commas here."),
    (M, "en", "startend:end_checker", {"end_phrase": "Any other questions?"},
     'Done. Any other questions?"', "Any other questions? Done."),
    (M, "en", "startend:quotation", {}, '"All quoted."', "“Curly quotes.”"),
    # ------------------------------------------------------------------ M-IFEval es
    (M, "es", "change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "al menos"},
     "La ONU y la OTAN.", "La Onu."),
    (M, "es", "change_case:capital_word_frequency", {"capital_frequency": 1, "capital_relation": "como máximo"},
     "Solo la ONU.", "La ONU y la OTAN."),
    (M, "es", "change_case:spanish_capital", {}, ES_LONG.upper(), ES_LONG),
    (M, "es", "change_case:spanish_lowercase", {}, ES_LONG.lower(), ES_LONG),
    (M, "es", "combination:repeat_prompt", {"prompt_to_repeat": "Escribe un poema."},
     "Escribe un poema. Las rosas son rojas.", "Claro. Las rosas son rojas."),
    (M, "es", "combination:two_responses", {}, "Primera.\n******\nSegunda.", "Primera y segunda."),
    (M, "es", "detectable_content:number_placeholders", {"num_placeholders": 2, "relation": "al menos"},
     "Hola [nombre], vive en [dirección].", "Hola [nombre]."),
    (M, "es", "detectable_content:postscript", {"postscript_marker": "P.D."},
     "Hola.\nP.D. Trae pastel.", "Hola. Trae pastel."),
    (M, "es", "detectable_content:postscript", {"postscript_marker": "Nota"},
     "Hola.\nNota: trae pastel.", "Hola.\nP.D. Trae pastel."),
    (M, "es", "detectable_format:constrained_response", {}, "Sí.", "Mi respuesta es sí."),
    (M, "es", "detectable_format:json_format", {}, '{"nombre": "Ana"}', "nombre: Ana"),
    (M, "es", "detectable_format:multiple_sections",
     {"section_spliter": "Sección", "num_sections": 2, "relation": "al menos"},
     "Sección 1\nUno.\nSección 2\nDos.", "Sección 1\nUno."),
    (M, "es", "detectable_format:number_bullet_lists", {"num_bullets": 2}, "* uno\n* dos\n- tres",
     "- uno\n- dos"),
    (M, "es", "detectable_format:number_highlighted_sections", {"num_highlights": 1, "relation": "al menos"},
     "Esto es *importante*.", "Esto es importante."),
    (M, "es", "detectable_format:title", {}, "<<Oda a la alegría>>\nTexto.", "##Oda a la alegría##\nTexto."),
    (M, "es", "keywords:existence", {"keywords": ["río"]}, "Un paseo por el Río.", "Un paseo por el lago."),
    (M, "es", "keywords:forbidden_words", {"forbidden_words": ["gato"]}, "Los gatos duermen.",
     "El gato duerme."),
    (M, "es", "keywords:frequency", {"keyword": "sol", "frequency": 3, "relation": "como máximo"},
     "Sol, sol, sol.", "Sol, sol, sol, sol."),
    (M, "es", "keywords:letter_frequency", {"letter": "b", "let_frequency": 2, "let_relation": "al menos"},
     "Bebe agua.", "Come pan."),
    (M, "es", "language:response_language", {"language": "it"},
     "Questa è una breve risposta scritta in italiano per il lettore di oggi.", ES_LONG),
    (M, "es", "length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 1, "first_word": "Desde mi punto de vista"},
     "Desde mi punto de vista, sí.\n\nFin.", "¿Desde mi punto de vista? Sí.\n\nFin."),
    (M, "es", "length_constraints:number_paragraphs", {"num_paragraphs": 3}, "Uno.\n***\nDos.\n***\nTres.",
     "Uno.\n***\nDos."),
    (M, "es", "length_constraints:number_sentences", {"num_sentences": 2, "relation": "al menos"},
     "¿Qué es? Es un gato.", "Es un gato."),
    (M, "es", "length_constraints:number_sentences", {"num_sentences": 2, "relation": "como máximo"},
     "1. Uno.\n2. Dos.", "Uno. Dos. Tres."),
    (M, "es", "length_constraints:number_words", {"num_words": 3, "relation": "como máximo"},
     "- Hola a todos.", "Hola a todos los amigos."),
    (M, "es", "punctuation:exclamation_marks", {}, "¡Qué bonito día!", "Qué bonito día!"),
    (M, "es", "punctuation:no_comma", {}, "Sin comas aquí.", "Sí, hay comas."),
    (M, "es", "punctuation:question_marks", {}, "¿Vienes mañana?", "Vienes mañana?"),
    (M, "es", "special_character:dieresis", {"let_frequency": 2}, "La pingüina habla de lingüística.",
     "El pingüino, la pingüina y la lingüística."),
    (M, "es", "special_character:enie", {"let_frequency": 2}, "El niño y la niña juegan.",
     "El niño juega mañana con la niña."),
    (M, "es", "special_character:tildes", {"num_words": 2, "relation": "al menos"},
     "Está aquí el camión.", "Esta casa."),
    (M, "es", "startend:end_checker", {"end_phrase": "Un saludo"},
     "Listo. Un saludo.", "Un saludo. Listo."),
    (M, "es", "startend:quotation", {}, '"Todo entre comillas."', "«Entre comillas latinas.»"),
    # ------------------------------------------------------------------ M-IFEval fr
    (M, "fr", "change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "au moins"},
     "La SNCF et la RATP.", "La Sncf."),
    (M, "fr", "change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "moins de"},
     "L'ingénieur de la SNCF.", "La SNCF et la RATP."),
    (M, "fr", "change_case:french_capital", {}, FR_LONG.upper(), FR_LONG),
    (M, "fr", "change_case:french_lowercase", {}, FR_LONG.lower(), FR_LONG),
    (M, "fr", "combination:repeat_prompt", {"prompt_to_repeat": "Écris un poème."},
     "écris un poème. Les roses sont rouges.", "Voici : Les roses sont rouges."),
    (M, "fr", "combination:two_responses", {}, "Première.\n******\nDeuxième.", "Première.\n******\n"),
    (M, "fr", "detectable_content:informal_address", {}, "Je t'aime et tu le sais.",
     "Vous êtes le bienvenu."),
    (M, "fr", "detectable_content:no_digits", {}, "Il a vingt ans.", "Il a 20 ans."),
    (M, "fr", "detectable_content:number_placeholders", {"num_placeholders": 1}, "Bonjour [nom].",
     "Bonjour."),
    (M, "fr", "detectable_content:postscript", {"postscript_marker": "P.-S."},
     "Salut.\nP.-S. À bientôt.", "Salut. À bientôt."),
    (M, "fr", "detectable_format:constrained_response", {}, "Peut-être.", "Ma réponse est peut-être"),
    (M, "fr", "detectable_format:json_format", {}, '{"ville": "Paris"}', "{ville: Paris}"),
    (M, "fr", "detectable_format:multiple_sections", {"section_spliter": "Partie", "num_sections": 2},
     "Partie 1\nDébut.\nPartie 2\nFin.", "Partie 1\nDébut et fin."),
    (M, "fr", "detectable_format:number_bullet_lists", {"num_bullets": 1}, "- un seul point",
     "- un\n- deux"),
    (M, "fr", "detectable_format:number_highlighted_sections", {"num_highlights": 2},
     "*Un* et **deux**.", "Un et deux."),
    (M, "fr", "detectable_format:title", {}, "##Hymne à la joie##\nTexte.", "<<Hymne à la joie>>\nTexte."),
    (M, "fr", "keywords:existence", {"keywords": ["château"]}, "Le Château est beau.",
     "La maison est belle."),
    (M, "fr", "keywords:forbidden_words", {"forbidden_words": ["chat"]}, "Le chaton dort.",
     "Le chat dort."),
    (M, "fr", "keywords:frequency", {"keyword": "pain", "frequency": 2, "relation": "moins de"},
     "Du pain.", "Du pain et du pain."),
    (M, "fr", "keywords:letter_frequency", {"letter": "z", "let_frequency": 1, "let_relation": "au moins"},
     "Zut alors.", "Mince alors."),
    (M, "fr", "language:response_language", {"language": "ja"},
     "これは日本語で書かれた短い答えです。今日は良い天気ですね。", FR_LONG),
    (M, "fr", "length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "Cela"},
     "Début.\n\nCela suffit.", "Début.\n\n« Cela suffit. »"),
    (M, "fr", "length_constraints:number_paragraphs", {"num_paragraphs": 1}, "Un seul paragraphe.",
     "Un.\n***\nDeux."),
    (M, "fr", "length_constraints:number_sentences", {"num_sentences": 2, "relation": "moins de"},
     "Il a dit « bonjour. »", "Bonjour. Au revoir."),
    (M, "fr", "length_constraints:number_words", {"num_words": 4, "relation": "au moins"},
     "L'été est chaud.", "Le chat dort."),
    (M, "fr", "punctuation:no_comma", {}, "Pas de virgule.", "Oui, une virgule."),
    (M, "fr", "special_character:accents", {"word_to_accentuate": "{'ecole': 'école', 'a': 'à'}"},
     "Il va à l'école.", "Il va a l'ecole."),
    (M, "fr", "special_character:ethel_or_cedilla", {"forbidden_char": "ç"}, "Le garcon lit.",
     "LE GARÇON LIT."),
    (M, "fr", "special_character:no_accents", {}, "Il fait beau a Paris.", "Il fait très beau."),
    (M, "fr", "startend:end_checker", {"end_phrase": "D'autres questions ?"},
     "Voilà. D'autres questions ?", "D'autres questions ? Voilà."),
    (M, "fr", "startend:quotation", {}, "« Tout est entre guillemets. »", "“Entre guillemets anglais.”"),
    # ------------------------------------------------------------------ M-IFEval ja
    (M, "ja", "combination:repeat_prompt", {"prompt_to_repeat": "詩を書いてください。"},
     "詩を書いてください。春の風。", "はい。春の風。"),
    (M, "ja", "combination:two_responses", {}, "答え一。\n******\n答え二。", "答え一。"),
    (M, "ja", "detectable_content:number_placeholders", {"num_placeholders": 2}, "[名前]さんは[場所]に住む。",
     "[名前]さんは<場所>に住む。"),
    (M, "ja", "detectable_content:postscript", {"postscript_marker": "追伸"}, "こんにちは。\n追伸：またね。",
     "こんにちは。またね。"),
    (M, "ja", "detectable_format:constrained_response", {}, "はい、そうです。", "私の答えはイエスです。"),
    (M, "ja", "detectable_format:json_format", {}, '```\n{"名前": "太郎"}\n```', "名前は太郎"),
    (M, "ja", "detectable_format:multiple_sections", {"section_spliter": "章", "num_sections": 2},
     "第1章\n始まり。\n第２章\n終わり。", "第1章\n始まりと終わり。"),
    (M, "ja", "detectable_format:nominal_ending", {"count": 2}, "美しい夕焼け。静かな海。",
     "夕焼けが美しい。海は静かだ。"),
    (M, "ja", "detectable_format:number_bullet_lists", {"num_bullets": 2}, "・りんご\n・みかん\n- ぶどう",
     "* りんご\n* みかん"),
    (M, "ja", "detectable_format:number_highlighted_sections", {"num_highlights": 1}, "これは《重要》です。",
     "これは**重要**です。"),
    (M, "ja", "detectable_format:number_numbered_lists", {"num_items": 2}, "1. りんご\n2. みかん",
     "１．りんご\n２．みかん"),
    (M, "ja", "detectable_format:title", {}, "『喜びの詩』\n本文。", "<<喜びの詩>>\n本文。"),
    (M, "ja", "keywords:existence", {"keywords": ["自転車"]}, "自転車で行きます。", "車で行きます。"),
    (M, "ja", "keywords:forbidden_words", {"forbidden_words": ["海"]}, "海外に行きます。", "海に行きます。"),
    (M, "ja", "keywords:frequency", {"keyword": "猫", "frequency": 2, "relation": "以上"},
     "猫と猫が遊ぶ。", "猫が遊ぶ。"),
    (M, "ja", "keywords:letter_frequency", {"letter": "か", "let_frequency": 2, "let_relation": "以上"},
     "かわいいカメラ。", "かわいい犬。"),
    (M, "ja", "language:response_language", {"language": "fr"}, FR_LONG,
     "これは日本語で書かれた短い答えです。"),
    (M, "ja", "length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "愛"},
     "はじめに。\n\n「愛は大切です。", "はじめに。\n\n大切なのは愛です。"),
    (M, "ja", "length_constraints:number_letters", {"num_letters": 10, "relation": "未満"}, "短い答え。",
     "短い 答え です。\n"),
    (M, "ja", "length_constraints:number_paragraphs", {"num_paragraphs": 2}, "一つ目。\n***\n二つ目。",
     "一つ目。二つ目。"),
    (M, "ja", "length_constraints:number_sentences", {"num_sentences": 3, "relation": "以上"},
     "晴れです。暑いです！海へ行こう？", "晴れです。「暑い。本当に。」と言った。"),
    (M, "ja", "letters:furigana", {}, "漢字（かんじ）を読（よ）む。", "漢字(かんじ)を読(よ)む。"),
    (M, "ja", "letters:hiragana_only", {}, "きょうは はれです。", "今日ははれです。"),
    (M, "ja", "letters:kanji", {"kanji_limit": 3, "relation": "未満"}, "きょうは晴れ。", "今日は晴天。"),
    (M, "ja", "letters:kansuuji", {}, "三月に十人来た。", "3月に10人来た。"),
    (M, "ja", "letters:katakana_only", {}, "コンニチハ、バイオリン。", "コンニチハ、ヴァイオリン。"),
    (M, "ja", "letters:no_hiragana", {}, "東京タワー、高イ。", "東京タワーは高い。"),
    (M, "ja", "letters:no_katakana", {}, "東京の塔は高い。", "東京タワーは高い。"),
    (M, "ja", "punctuation:no_comma", {}, "今日は,晴れです。", "今日は、晴れです。"),
    (M, "ja", "punctuation:no_period", {}, "今日は晴れです", "今日は晴れです。"),
    (M, "ja", "startend:end_checker", {"end_phrase": "他にご質問はありますか？"},
     "以上です。他にご質問はありますか？」", "他にご質問はありますか？以上です。"),
    (M, "ja", "startend:quotation", {}, "「すべて鉤括弧の中。」", '"引用符の中。"'),
    (M, "ja", "startend:sentence_unified_end", {"ending": "です"}, "晴れです。「雨だ」と彼は言ったのです。",
     "晴れです。雨です。\n"),
    # ------------------------------------------------------------------ xIFEval (BenchMAX)
    (X, "en", "detectable_content:postscript", {"postscript_marker": "P.-S."},
     "Hi.\nP.-S. Bye.", "Hi.\nPX-S. Bye."),
    (X, "en", "startend:quotation", {}, "“Curly quotes.”", "'Single quotes.'"),
    (X, "en", "detectable_format:constrained_response", {}, "My answer is maybe.", "Maybe."),
    (X, "zh", "detectable_format:constrained_response", {}, "我的回答是肯定的。", "是的。"),
    (X, "zh", "keywords:existence", {"keywords": ["海"]}, "我想去海外旅行。", "我想去山里。"),
    (X, "zh", "keywords:forbidden_words", {"forbidden_words": ["海"]}, "我想去山里。", "我想去海外旅行。"),
    (X, "zh", "length_constraints:number_words", {"num_words": 5, "relation": "at least"},
     "我爱北京。", "我爱北京"),
    (X, "zh", "length_constraints:number_sentences", {"num_sentences": 3, "relation": "less than"},
     "标题\n正文，很好。", "标题\n\n正文。"),  # BenchMAX counts the blank line
    (X, "zh", "length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "总之"},
     "开头。\n\n“总之，很好。", "开头。\n\n总的来说，很好。"),
    (X, "zh", "punctuation:no_comma", {}, "没有逗号、只有顿号。", "有逗号，在这里。"),
    (X, "zh", "startend:quotation", {}, "“全部在引号里。”", "「全部在引号里。」"),
    (X, "ja", "detectable_format:constrained_response", {}, "私の答えはイエスです。", "はい、そうです。"),
    (X, "ja", "length_constraints:number_words", {"num_words": 12, "relation": "at least"},
     "私は東京大学で日本語を勉強しています。", "私は東京大学で日本語を勉強しています"),
    (X, "ja", "detectable_format:title", {}, "<<喜びの詩>>\n本文。", "『喜びの詩』\n本文。"),
    (X, "th", "length_constraints:number_sentences", {"num_sentences": 2, "relation": "less than"},
     "โรเจอร์เริ่มด้วยการมีลูกเทนนิส 5 ลูก กระป๋อง 2 ใบที่มีลูกเทนนิสใบละ 3 ลูก",
     "ผมชอบกินข้าวผัดมาก วันนี้อากาศดี"),  # PyThaiNLP crfcut: 1 and 2 sentences
    (X, "th", "detectable_format:constrained_response", {}, "คำตอบของฉันคือใช่", "ใช่"),
    (X, "bn", "length_constraints:number_words", {"num_words": 6, "relation": "at least"},
     "আমি বাংলায় গান গাই - তুমি?", "আমি বাংলায় গান গাই।"),
    (X, "bn", "length_constraints:number_sentences", {"num_sentences": 2, "relation": "less than"},
     "ডা. রায় এলেন। ", "তিনি এলেন। তুমি কী করো?"),
    (X, "te", "length_constraints:number_words", {"num_words": 4, "relation": "less than"},
     "నేను తెలుగు మాట్లాడతాను.", "నేను తెలుగు - మాట్లాడతాను."),
    (X, "es", "length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "qué"},
     "Hola.\n\n¿Qué tal?", "Hola.\n\n¡Qué tal!"),
    (X, "es", "detectable_format:constrained_response", {}, "Mi respuesta es sí.", "Sí."),
    (X, "de", "detectable_format:constrained_response", {}, "Meine Antwort ist ja.", "Ja."),
    (X, "fr", "detectable_format:title", {}, "<<Titre>>\nTexte.", "##Titre##\nTexte."),
    (X, "ru", "startend:quotation", {}, "«Всё в кавычках.»", "Без кавычек."),
    (X, "sw", "length_constraints:number_sentences", {"num_sentences": 2, "relation": "at least"},
     "Habari yako?\nMimi ni mzima.", "Habari yako\nMimi ni mzima"),
]


def _case_id(case):
    return f"{case[0]}:{case[1]}:{case[2]}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_checker_passes_and_fails_hand_written_responses(case):
    rules, lang, instruction_id, kwargs, yes, no = case
    prefixed = f"{lang}:{instruction_id}" if rules == M else instruction_id
    assert check_instruction(yes, prefixed, kwargs, lang) is True  # the rule set read from the id
    assert check_instruction(no, instruction_id, kwargs, lang, rules=rules) is False


def test_every_checker_and_every_m_ifeval_instruction_has_cases():
    assert {c[2] for c in CASES} == set(CHECKERS)
    for lang in MIFEVAL_LANGS:
        assert {c[2] for c in CASES if c[:2] == (M, lang)} == INSTRUCTIONS[(M, lang)], lang


@pytest.mark.full_data("every instruction type of the full M-IFEval files has a test")
def test_every_staged_instruction_is_known_and_tested_in_its_language(shared_data):
    seen: set[tuple[str, str]] = set()
    for lang in MIFEVAL_LANGS:
        for line in (shared_data / "m-ifeval" / f"{lang}_input_data.jsonl").read_text().splitlines():
            if line.strip():
                seen |= {(lang, i) for i in json.loads(line)["instruction_id_list"]}
    unknown = sorted(i for lang, i in seen if not is_known(i, lang))
    assert not unknown
    assert all(i.startswith(f"{lang}:") for lang, i in seen)
    assert {(lang, base_id(i)) for lang, i in seen} == {
        (lang, i) for (rules, lang), ids in INSTRUCTIONS.items() if rules == M for i in ids}
    assert len(seen) == 25 + 30 + 30 + 33  # instruction types per language (MANIFEST.md)


# ---------------------------------------------------------------- one benchmark, one rule set

# (instruction, kwargs, lang, response): M-IFEval and xIFEval disagree on each, by their authors
RULES_DIFFER = [
    ("detectable_format:constrained_response", {}, "es", "Sí."),
    ("detectable_format:constrained_response", {}, "fr", "Ma réponse est oui."),
    ("detectable_format:title", {}, "fr", "##Titre##\nTexte."),
    ("detectable_format:title", {}, "ja", "『題名』\n本文。"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "es", "- uno\n- dos"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "ja", "・一\n・二"),
    ("startend:quotation", {}, "ja", "「すべて。」"),
    ("startend:end_checker", {"end_phrase": "Un saludo"}, "es", "Listo. Un saludo."),
    ("punctuation:no_comma", {}, "ja", "東京、大阪。"),
    ("punctuation:no_comma", {}, "fr", "Une virgule，chinoise."),
    ("detectable_content:postscript", {"postscript_marker": "P.-S."}, "fr", "Salut.\nPS-S: bye"),
]


@pytest.mark.parametrize("instruction, kwargs, lang, response", RULES_DIFFER,
                         ids=[f"{r[2]}:{r[0]}" for r in RULES_DIFFER])
def test_each_benchmark_checks_by_its_own_rules(instruction, kwargs, lang, response):
    m = check_instruction(response, instruction, kwargs, lang, rules=M)
    x = check_instruction(response, instruction, kwargs, lang, rules=X)
    assert m != x


def test_constrained_options_are_never_merged_across_benchmarks():
    assert rules_for(M, "es").constrained == ("Sí.", "No.", "Quizás.")
    for lang in XIFEVAL_LANGS:
        x = rules_for(X, lang).constrained
        assert len(x) == 3
        if lang in MIFEVAL_LANGS and lang != "en":
            assert not set(x) & set(rules_for(M, lang).constrained)
    # xIFEval-es accepted any "No." before: M-IFEval's option is not xIFEval's
    assert not check_instruction("No.", "detectable_format:constrained_response", {}, "es",
                                 rules=X)


def test_spanish_comparisons_are_inclusive_and_counts_exact():
    kw = {"keyword": "sol", "frequency": 2}
    assert check_instruction("sol sol", "es:keywords:frequency", {**kw, "relation": "como máximo"}, "es")
    assert check_instruction("sol sol", "es:keywords:frequency", {**kw, "relation": "al menos"}, "es")
    assert not check_instruction("sol sol", "fr:keywords:frequency", {**kw, "relation": "moins de"}, "fr")
    assert not check_instruction("* a\n* b\n* c", "es:detectable_format:number_bullet_lists",
                                 {"num_bullets": 2}, "es")  # == n, not >= n


def test_the_rule_set_comes_from_meta_or_the_ids():
    assert infer_rules(["ja:letters:kanji", "ja:punctuation:no_period"]) == M
    assert infer_rules(["keywords:existence"]) == X
    with pytest.raises(XlingError, match="mix"):
        infer_rules(["ja:letters:kanji", "keywords:existence"])
    meta = {"instruction_id_list": ["detectable_format:title"], "kwargs": [{}]}
    assert score_ifeval("##Titre##", {**meta, "ifeval_rules": M}, "fr").correct
    assert not score_ifeval("##Titre##", meta, "fr").correct  # read as xIFEval
    assert score_ifeval("##Titre##", meta, "fr").details["rules"] == X
    with pytest.raises(XlingError, match="unknown meta\\['ifeval_rules'\\]"):
        score_ifeval("x", {**meta, "ifeval_rules": "ifeval-2"}, "fr")
    with pytest.raises(XlingError, match="m-ifeval has no instruction rules for language 'de'"):
        score_ifeval("x", {**meta, "ifeval_rules": M}, "de")


def test_an_instruction_the_benchmark_lacks_is_unknown_there():
    # M-IFEval's Japanese instructions are not BenchMAX's
    meta = {"instruction_id_list": ["letters:kansuuji"], "kwargs": [{}], "ifeval_rules": X}
    v = score_ifeval("三月", meta, "ja")
    assert v.details["unknown"] == ["letters:kansuuji"] and not v.correct
    assert is_known("letters:kansuuji") and not is_known("letters:kansuuji", "ja", X)
    assert is_known("ja:letters:kansuuji", "ja")


def test_offline_substitutes_and_deliberate_differences_are_marked_per_instruction():
    meta = {"instruction_id_list": ["length_constraints:number_words", "punctuation:no_comma"],
            "kwargs": [{"num_words": 2, "relation": "at least"}, {}], "ifeval_rules": X}
    th = score_ifeval("ผมชอบกินข้าวผัดมาก", meta, "th").details["instructions"]
    assert th[0]["substitute"] == "flores101-spm" and "substitute" not in th[1]
    zh = score_ifeval("我爱北京", meta, "zh").details["instructions"]
    assert "substitute" not in zh[0]  # sacrebleu's own tokenizer
    letter = {"instruction_id_list": ["en:keywords:letter_frequency"],
              "kwargs": [{"letter": "#", "let_frequency": 2, "let_relation": "at least"}]}
    got = score_ifeval("## done", letter, "en").details["instructions"][0]
    assert got["strict"] and got["deliberate"] == "letter-as-written"  # random in the authors' code


# ---------------------------------------------------------------- the harness


def test_loose_accepts_what_strict_rejects():
    cases = [  # (response, id, kwargs): fails strict, passes after IFEval's loose edits
        ('Sure, here it is:\n"Quoted answer."', "startend:quotation", {}),
        ("*Summary*. Done.\n\nSecond.", "length_constraints:nth_paragraph_first_word",
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
    ({"num_words": 5, "relation": "roughly"}, "unknown relation 'roughly' for xifeval en"),
    ({"num_words": 5, "relation": "au moins"}, "unknown relation 'au moins'"),  # not BenchMAX's
    ({"num_words": 5}, "do not fit"),
    ({"num_words": 5, "relation": "at least", "colour": "red"}, "do not fit"),
])
def test_bad_kwargs_are_data_errors(kwargs, message):
    with pytest.raises(XlingError, match=message):
        check_instruction("one two", "length_constraints:number_words", kwargs, "en")


def test_null_kwargs_are_ignored_like_ifeval():
    kwargs = {"num_words": 2, "relation": "at least", "keywords": None, "language": None}
    assert check_instruction("one two", "length_constraints:number_words", kwargs, "en")


def test_relations_are_read_in_the_benchmark_language():
    # M-IFEval es: "como máximo" is <=; fr "moins de", ja "未満", en "less than" are <
    kw = {"num_words": 3}
    assert check_instruction("uno dos tres", "es:length_constraints:number_words",
                             {**kw, "relation": "como máximo"}, "es")
    for relation, lang, text in [("moins de", "fr", "un deux trois"), ("less than", "en", "a b c")]:
        assert not check_instruction(text, f"{lang}:length_constraints:number_words",
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


def test_counts_cover_every_registered_language():
    assert set(LANGUAGES) <= set(COUNTS)


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
