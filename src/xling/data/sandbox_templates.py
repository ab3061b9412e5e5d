"""Texts of the sandbox word problems: four story templates x ten languages, plus solution words.

Stage: data (used only by ``xling.data.sandbox_world``). Template ``k`` in one language is the
translation of template ``k`` in every other language, so a problem rendered with the same
numbers and the same ``k`` is parallel by construction.

Placeholders in the story sentences (``str.format`` fields):

- ``{N}`` the name; ``{Ng}`` its genitive/possessive form (ru "Миши", bn "রহিমের"),
- ``{a}`` the starting amount, ``{b}`` the operand of this step,
- ``{An}`` / ``{Bn}`` the counted noun in the form that agrees with ``a`` / ``b`` (only in
  languages whose nouns inflect for number: en de es fr ru sw; ``{Bn}`` is accusative in ru),
- ``{Tb}`` the word "times" agreeing with ``b`` (ru "раз/раза"),
- ``{C}`` the connector opening a step sentence ("Then", "Danach", "然后，", ...).

Solution step placeholders: ``{x}`` value before the step, ``{b}`` operand, ``{y}`` result.
Equations always use ASCII digits and ``+ - *``, shared by all languages.
Add a language: one ``LangText`` entry in ``LANG_TEXTS`` and four stories in ``STORIES``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def _plural_one(n: int, forms: tuple[str, ...]) -> str:
    """en/de/es/sw: singular only for exactly 1."""
    return forms[0] if n == 1 else forms[1]


def _plural_fr(n: int, forms: tuple[str, ...]) -> str:
    """French: singular for 0 and 1."""
    return forms[0] if n < 2 else forms[1]


def _plural_ru(n: int, forms: tuple[str, ...]) -> str:
    """Russian: forms = (one, few, many), e.g. (банан, банана, бананов)."""
    if n % 10 == 1 and n % 100 != 11:
        return forms[0]
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return forms[1]
    return forms[2]


@dataclass(frozen=True)
class LangText:
    """The language-wide (not story-specific) words of the sandbox."""

    connectors: tuple[str, ...]
    """Openers of step sentences by position (step 1, step 2, ...; the last one repeats)."""
    steps: dict[str, str]
    """Solution line per op, with ``{x}``, ``{b}``, ``{y}``."""
    answer: str
    """Final line; ends with ``\\boxed{y}`` and nothing after it."""
    joiner: str = " "
    """Between sentences ('' where sentences end with 。)."""
    plural: Callable[[int, tuple[str, ...]], str] = _plural_one
    """``(n, forms) -> form``: picks the noun form agreeing with n."""
    times: tuple[str, ...] = ()
    """Forms of the word 'times' (ru only), for ``{Tb}``."""


LANG_TEXTS: dict[str, LangText] = {
    "en": LangText(
        ("Then", "After that,", "Later,"),
        {"add": "Add {b}: {x} + {b} = {y}.", "sub": "Subtract {b}: {x} - {b} = {y}.",
         "mul": "Multiply by {b}: {x} * {b} = {y}."},
        "The answer is \\boxed{{{y}}}",
    ),
    "zh": LangText(
        ("然后，", "接着，", "后来，"),
        {"add": "加上{b}：{x} + {b} = {y}。", "sub": "减去{b}：{x} - {b} = {y}。",
         "mul": "乘以{b}：{x} * {b} = {y}。"},
        "答案是 \\boxed{{{y}}}",
        joiner="",
    ),
    "de": LangText(
        ("Dann", "Danach", "Später"),
        {"add": "Wir addieren {b}: {x} + {b} = {y}.",
         "sub": "Wir subtrahieren {b}: {x} - {b} = {y}.",
         "mul": "Wir multiplizieren mit {b}: {x} * {b} = {y}."},
        "Die Antwort ist \\boxed{{{y}}}",
    ),
    "es": LangText(
        ("Luego,", "Después,", "Más tarde,"),
        {"add": "Sumamos {b}: {x} + {b} = {y}.", "sub": "Restamos {b}: {x} - {b} = {y}.",
         "mul": "Multiplicamos por {b}: {x} * {b} = {y}."},
        "La respuesta es \\boxed{{{y}}}",
    ),
    "fr": LangText(
        ("Ensuite,", "Après cela,", "Plus tard,"),
        {"add": "On ajoute {b} : {x} + {b} = {y}.", "sub": "On retire {b} : {x} - {b} = {y}.",
         "mul": "On multiplie par {b} : {x} * {b} = {y}."},
        "La réponse est \\boxed{{{y}}}",
        plural=_plural_fr,
    ),
    "ja": LangText(
        ("それから、", "その後、", "さらにその後、"),
        {"add": "{b}を足すと、{x} + {b} = {y}。", "sub": "{b}を引くと、{x} - {b} = {y}。",
         "mul": "{b}を掛けると、{x} * {b} = {y}。"},
        "答えは \\boxed{{{y}}}",
        joiner="",
    ),
    "ru": LangText(
        ("Затем", "После этого", "Потом"),
        {"add": "Прибавляем {b}: {x} + {b} = {y}.", "sub": "Вычитаем {b}: {x} - {b} = {y}.",
         "mul": "Умножаем на {b}: {x} * {b} = {y}."},
        "Ответ: \\boxed{{{y}}}",
        plural=_plural_ru,
        times=("раз", "раза", "раз"),
    ),
    "th": LangText(
        ("จากนั้น", "หลังจากนั้น", "ต่อมา"),
        {"add": "บวก {b} จะได้ {x} + {b} = {y}", "sub": "ลบ {b} จะได้ {x} - {b} = {y}",
         "mul": "คูณด้วย {b} จะได้ {x} * {b} = {y}"},
        "คำตอบคือ \\boxed{{{y}}}",
    ),
    "sw": LangText(
        ("Kisha", "Baadaye", "Halafu"),
        {"add": "Tunaongeza {b}: {x} + {b} = {y}.", "sub": "Tunatoa {b}: {x} - {b} = {y}.",
         "mul": "Tunazidisha kwa {b}: {x} * {b} = {y}."},
        "Jibu ni \\boxed{{{y}}}",
    ),
    "bn": LangText(
        ("তারপর", "এরপর", "পরে"),
        {"add": "{b} যোগ করি: {x} + {b} = {y}।", "sub": "{b} বিয়োগ করি: {x} - {b} = {y}।",
         "mul": "{b} দিয়ে গুণ করি: {x} * {b} = {y}।"},
        "উত্তর হল \\boxed{{{y}}}",
    ),
}

# One story = name(s), noun forms (where nouns inflect), and one sentence per part.
# Story 0: bananas bought / eaten; 1: pencils given by a teacher / lost; 2: books borrowed /
# given away; 3: coins earned / spent. Each has its own "times as many" phrasing for mul.
STORIES: dict[str, tuple[dict[str, Any], ...]] = {
    "en": (
        {"N": "Tom", "noun": ("banana", "bananas"),
         "intro": "{N} has {a} {An}.",
         "add": "{C} {N} buys {b} more {Bn} at the market.",
         "sub": "{C} {N} eats {b} {Bn}.",
         "mul": "{C} {N} ends up with {b} times as many bananas as before.",
         "question": "How many bananas does {N} have now?"},
        {"N": "Anna", "noun": ("pencil", "pencils"),
         "intro": "{N} has {a} {An}.",
         "add": "{C} her teacher gives her {b} more {Bn}.",
         "sub": "{C} {N} loses {b} {Bn} at school.",
         "mul": "{C} the number of her pencils becomes {b} times as large.",
         "question": "How many pencils does {N} have now?"},
        {"N": "Sam", "noun": ("book", "books"),
         "intro": "{N} has {a} {An} on his shelf.",
         "add": "{C} {N} borrows {b} more {Bn} from the library.",
         "sub": "{C} {N} gives {b} {Bn} to a friend.",
         "mul": "{C} his collection of books grows to {b} times its size.",
         "question": "How many books does {N} have now?"},
        {"N": "Lily", "noun": ("coin", "coins"),
         "intro": "{N} has {a} {An} in her piggy bank.",
         "add": "{C} {N} earns {b} more {Bn}.",
         "sub": "{C} {N} spends {b} {Bn} on sweets.",
         "mul": "{C} the number of coins in her piggy bank becomes {b} times as large.",
         "question": "How many coins does {N} have now?"},
    ),
    "zh": (
        {"N": "小明",
         "intro": "{N}有{a}根香蕉。",
         "add": "{C}{N}在市场上又买了{b}根香蕉。",
         "sub": "{C}{N}吃了{b}根香蕉。",
         "mul": "{C}{N}的香蕉变成了原来的{b}倍。",
         "question": "{N}现在有多少根香蕉？"},
        {"N": "小红",
         "intro": "{N}有{a}支铅笔。",
         "add": "{C}老师又给了她{b}支铅笔。",
         "sub": "{C}{N}在学校丢了{b}支铅笔。",
         "mul": "{C}她的铅笔数量变成了原来的{b}倍。",
         "question": "{N}现在有多少支铅笔？"},
        {"N": "小刚",
         "intro": "{N}的书架上有{a}本书。",
         "add": "{C}{N}从图书馆又借了{b}本书。",
         "sub": "{C}{N}送给朋友{b}本书。",
         "mul": "{C}他的书增加到原来的{b}倍。",
         "question": "{N}现在有多少本书？"},
        {"N": "小丽",
         "intro": "{N}的存钱罐里有{a}枚硬币。",
         "add": "{C}{N}又攒了{b}枚硬币。",
         "sub": "{C}{N}花了{b}枚硬币买糖果。",
         "mul": "{C}她存钱罐里的硬币变成了原来的{b}倍。",
         "question": "{N}现在有多少枚硬币？"},
    ),
    "de": (
        {"N": "Lukas", "noun": ("Banane", "Bananen"),
         "intro": "{N} hat {a} {An}.",
         "add": "{C} kauft {N} auf dem Markt noch {b} {Bn}.",
         "sub": "{C} isst {N} {b} {Bn}.",
         "mul": "{C} hat {N} {b}-mal so viele Bananen wie vorher.",
         "question": "Wie viele Bananen hat {N} jetzt?"},
        {"N": "Lena", "noun": ("Bleistift", "Bleistifte"),
         "intro": "{N} hat {a} {An}.",
         "add": "{C} schenkt ihr die Lehrerin noch {b} {Bn}.",
         "sub": "{C} verliert {N} in der Schule {b} {Bn}.",
         "mul": "{C} wird die Zahl ihrer Bleistifte {b}-mal so groß.",
         "question": "Wie viele Bleistifte hat {N} jetzt?"},
        {"N": "Jonas", "noun": ("Buch", "Bücher"),
         "intro": "{N} hat {a} {An} im Regal.",
         "add": "{C} leiht {N} noch {b} {Bn} aus der Bibliothek aus.",
         "sub": "{C} schenkt {N} einem Freund {b} {Bn}.",
         "mul": "{C} wächst seine Büchersammlung auf das {b}-Fache.",
         "question": "Wie viele Bücher hat {N} jetzt?"},
        {"N": "Mia", "noun": ("Münze", "Münzen"),
         "intro": "{N} hat {a} {An} in ihrem Sparschwein.",
         "add": "{C} verdient {N} noch {b} {Bn}.",
         "sub": "{C} gibt {N} {b} {Bn} für Süßigkeiten aus.",
         "mul": "{C} wird die Zahl der Münzen in ihrem Sparschwein {b}-mal so groß.",
         "question": "Wie viele Münzen hat {N} jetzt?"},
    ),
    "es": (
        {"N": "Pablo", "noun": ("plátano", "plátanos"),
         "intro": "{N} tiene {a} {An}.",
         "add": "{C} {N} compra {b} {Bn} más en el mercado.",
         "sub": "{C} {N} se come {b} {Bn}.",
         "mul": "{C} {N} tiene {b} veces tantos plátanos como antes.",
         "question": "¿Cuántos plátanos tiene {N} ahora?"},
        {"N": "María", "noun": ("lápiz", "lápices"),
         "intro": "{N} tiene {a} {An}.",
         "add": "{C} su maestra le da {b} {Bn} más.",
         "sub": "{C} {N} pierde {b} {Bn} en la escuela.",
         "mul": "{C} el número de sus lápices se multiplica por {b}.",
         "question": "¿Cuántos lápices tiene {N} ahora?"},
        {"N": "Diego", "noun": ("libro", "libros"),
         "intro": "{N} tiene {a} {An} en su estante.",
         "add": "{C} {N} saca {b} {Bn} más de la biblioteca.",
         "sub": "{C} {N} le regala {b} {Bn} a un amigo.",
         "mul": "{C} su colección de libros crece hasta {b} veces su tamaño.",
         "question": "¿Cuántos libros tiene {N} ahora?"},
        {"N": "Lucía", "noun": ("moneda", "monedas"),
         "intro": "{N} tiene {a} {An} en su alcancía.",
         "add": "{C} {N} gana {b} {Bn} más.",
         "sub": "{C} {N} gasta {b} {Bn} en dulces.",
         "mul": "{C} el número de monedas de su alcancía se multiplica por {b}.",
         "question": "¿Cuántas monedas tiene {N} ahora?"},
    ),
    "fr": (
        {"N": "Hugo", "noun": ("banane", "bananes"),
         "intro": "{N} a {a} {An}.",
         "add": "{C} {N} achète {b} {Bn} de plus au marché.",
         "sub": "{C} {N} mange {b} {Bn}.",
         "mul": "{C} {N} a {b} fois plus de bananes qu'avant.",
         "question": "Combien de bananes {N} a-t-il maintenant ?"},
        {"N": "Marie", "noun": ("crayon", "crayons"),
         "intro": "{N} a {a} {An}.",
         "add": "{C} sa maîtresse lui donne {b} {Bn} de plus.",
         "sub": "{C} {N} perd {b} {Bn} à l'école.",
         "mul": "{C} le nombre de ses crayons est multiplié par {b}.",
         "question": "Combien de crayons {N} a-t-elle maintenant ?"},
        {"N": "Louis", "noun": ("livre", "livres"),
         "intro": "{N} a {a} {An} sur son étagère.",
         "add": "{C} {N} emprunte {b} {Bn} de plus à la bibliothèque.",
         "sub": "{C} {N} donne {b} {Bn} à un ami.",
         "mul": "{C} sa collection de livres devient {b} fois plus grande.",
         "question": "Combien de livres {N} a-t-il maintenant ?"},
        {"N": "Emma", "noun": ("pièce", "pièces"),
         "intro": "{N} a {a} {An} dans sa tirelire.",
         "add": "{C} {N} gagne {b} {Bn} de plus.",
         "sub": "{C} {N} dépense {b} {Bn} en bonbons.",
         "mul": "{C} le nombre de pièces dans sa tirelire est multiplié par {b}.",
         "question": "Combien de pièces {N} a-t-elle maintenant ?"},
    ),
    "ja": (
        {"N": "太郎",
         "intro": "{N}はバナナを{a}本持っています。",
         "add": "{C}{N}は市場でバナナをさらに{b}本買いました。",
         "sub": "{C}{N}はバナナを{b}本食べました。",
         "mul": "{C}{N}のバナナは前の{b}倍になりました。",
         "question": "{N}は今バナナを何本持っていますか？"},
        {"N": "花子",
         "intro": "{N}は鉛筆を{a}本持っています。",
         "add": "{C}先生が{N}に鉛筆をさらに{b}本くれました。",
         "sub": "{C}{N}は学校で鉛筆を{b}本なくしました。",
         "mul": "{C}{N}の鉛筆の数は{b}倍になりました。",
         "question": "{N}は今鉛筆を何本持っていますか？"},
        {"N": "健太",
         "intro": "{N}の本棚には本が{a}冊あります。",
         "add": "{C}{N}は図書館で本をさらに{b}冊借りました。",
         "sub": "{C}{N}は友だちに本を{b}冊あげました。",
         "mul": "{C}{N}の本は{b}倍に増えました。",
         "question": "{N}は今本を何冊持っていますか？"},
        {"N": "さくら",
         "intro": "{N}の貯金箱にはコインが{a}枚入っています。",
         "add": "{C}{N}はお手伝いをしてコインをさらに{b}枚もらいました。",
         "sub": "{C}{N}はお菓子を買うのにコインを{b}枚使いました。",
         "mul": "{C}貯金箱のコインは{b}倍になりました。",
         "question": "{N}は今コインを何枚持っていますか？"},
    ),
    "ru": (
        {"N": "Миша", "Ng": "Миши", "noun": ("банан", "банана", "бананов"),
         "intro": "У {Ng} есть {a} {An}.",
         "add": "{C} {N} покупает на рынке ещё {b} {Bn}.",
         "sub": "{C} {N} съедает {b} {Bn}.",
         "mul": "{C} бананов у {Ng} становится в {b} {Tb} больше.",
         "question": "Сколько бананов теперь у {Ng}?"},
        {"N": "Аня", "Ng": "Ани", "noun": ("карандаш", "карандаша", "карандашей"),
         "intro": "У {Ng} есть {a} {An}.",
         "add": "{C} учительница дарит ей ещё {b} {Bn}.",
         "sub": "{C} {N} теряет в школе {b} {Bn}.",
         "mul": "{C} число её карандашей увеличивается в {b} {Tb}.",
         "question": "Сколько карандашей теперь у {Ng}?"},
        # Feminine noun: the 4th form is the accusative singular used with b (…дарит 1 книгу).
        {"N": "Петя", "Ng": "Пети", "noun": ("книга", "книги", "книг", "книгу"),
         "intro": "У {Ng} на полке {a} {An}.",
         "add": "{C} {N} берёт в библиотеке ещё {b} {Bn}.",
         "sub": "{C} {N} дарит другу {b} {Bn}.",
         "mul": "{C} его коллекция книг вырастает в {b} {Tb}.",
         "question": "Сколько книг теперь у {Ng}?"},
        {"N": "Оля", "Ng": "Оли", "noun": ("монета", "монеты", "монет", "монету"),
         "intro": "У {Ng} в копилке {a} {An}.",
         "add": "{C} {N} зарабатывает ещё {b} {Bn}.",
         "sub": "{C} {N} тратит {b} {Bn} на конфеты.",
         "mul": "{C} число монет в её копилке увеличивается в {b} {Tb}.",
         "question": "Сколько монет теперь у {Ng}?"},
    ),
    "th": (
        {"N": "สมชาย",
         "intro": "{N}มีกล้วย {a} ลูก",
         "add": "{C}{N}ซื้อกล้วยที่ตลาดเพิ่มอีก {b} ลูก",
         "sub": "{C}{N}กินกล้วยไป {b} ลูก",
         "mul": "{C}กล้วยของ{N}เพิ่มขึ้นเป็น {b} เท่าของเดิม",
         "question": "ตอนนี้{N}มีกล้วยกี่ลูก"},
        {"N": "มาลี",
         "intro": "{N}มีดินสอ {a} แท่ง",
         "add": "{C}คุณครูให้ดินสอ{N}เพิ่มอีก {b} แท่ง",
         "sub": "{C}{N}ทำดินสอหายที่โรงเรียน {b} แท่ง",
         "mul": "{C}จำนวนดินสอของ{N}เพิ่มขึ้นเป็น {b} เท่า",
         "question": "ตอนนี้{N}มีดินสอกี่แท่ง"},
        {"N": "วิชัย",
         "intro": "{N}มีหนังสืออยู่บนชั้น {a} เล่ม",
         "add": "{C}{N}ยืมหนังสือจากห้องสมุดเพิ่มอีก {b} เล่ม",
         "sub": "{C}{N}ให้หนังสือเพื่อนไป {b} เล่ม",
         "mul": "{C}หนังสือของ{N}เพิ่มขึ้นเป็น {b} เท่า",
         "question": "ตอนนี้{N}มีหนังสือกี่เล่ม"},
        {"N": "นภา",
         "intro": "ในกระปุกออมสินของ{N}มีเหรียญ {a} เหรียญ",
         "add": "{C}{N}หาเหรียญได้เพิ่มอีก {b} เหรียญ",
         "sub": "{C}{N}ใช้เหรียญซื้อขนมไป {b} เหรียญ",
         "mul": "{C}เหรียญในกระปุกของ{N}เพิ่มขึ้นเป็น {b} เท่า",
         "question": "ตอนนี้{N}มีเหรียญกี่เหรียญ"},
    ),
    # Swahili: ndizi, kalamu, sarafu are class 9/10 (same form in singular and plural);
    # kitabu/vitabu inflects, so story 2 has noun forms and puts the number after the noun.
    "sw": (
        {"N": "Juma",
         "intro": "{N} ana ndizi {a}.",
         "add": "{C} {N} ananunua ndizi {b} zaidi sokoni.",
         "sub": "{C} {N} anakula ndizi {b}.",
         "mul": "{C} {N} anakuwa na ndizi mara {b} ya alizokuwa nazo.",
         "question": "{N} ana ndizi ngapi sasa?"},
        {"N": "Amina",
         "intro": "{N} ana kalamu {a}.",
         "add": "{C} mwalimu wake anampa kalamu {b} zaidi.",
         "sub": "{C} {N} anapoteza kalamu {b} shuleni.",
         "mul": "{C} idadi ya kalamu zake inaongezeka mara {b}.",
         "question": "{N} ana kalamu ngapi sasa?"},
        {"N": "Baraka", "noun": ("kitabu", "vitabu"),
         "intro": "{N} ana {An} {a} kwenye rafu yake.",
         "add": "{C} {N} anaazima {Bn} {b} zaidi kutoka maktaba.",
         "sub": "{C} {N} anampa rafiki yake {Bn} {b}.",
         "mul": "{C} idadi ya vitabu vyake inakuwa mara {b} ya awali.",
         "question": "{N} ana vitabu vingapi sasa?"},
        {"N": "Neema",
         "intro": "{N} ana sarafu {a} kwenye kibubu chake.",
         "add": "{C} {N} anapata sarafu {b} zaidi.",
         "sub": "{C} {N} anatumia sarafu {b} kununua pipi.",
         "mul": "{C} idadi ya sarafu kwenye kibubu chake inakuwa mara {b} ya awali.",
         "question": "{N} ana sarafu ngapi sasa?"},
    ),
    "bn": (
        {"N": "রহিম", "Ng": "রহিমের",
         "intro": "{Ng} কাছে {a}টি কলা আছে।",
         "add": "{C} {N} বাজার থেকে আরও {b}টি কলা কেনে।",
         "sub": "{C} {N} {b}টি কলা খায়।",
         "mul": "{C} {Ng} কলার সংখ্যা আগের {b} গুণ হয়ে যায়।",
         "question": "এখন {Ng} কাছে কয়টি কলা আছে?"},
        {"N": "মিনা", "Ng": "মিনার",
         "intro": "{Ng} কাছে {a}টি পেনসিল আছে।",
         "add": "{C} শিক্ষক তাকে আরও {b}টি পেনসিল দেন।",
         "sub": "{C} {N} স্কুলে {b}টি পেনসিল হারিয়ে ফেলে।",
         "mul": "{C} {Ng} পেনসিলের সংখ্যা {b} গুণ হয়ে যায়।",
         "question": "এখন {Ng} কাছে কয়টি পেনসিল আছে?"},
        {"N": "অমিত", "Ng": "অমিতের",
         "intro": "{Ng} বইয়ের তাকে {a}টি বই আছে।",
         "add": "{C} {N} লাইব্রেরি থেকে আরও {b}টি বই ধার নেয়।",
         "sub": "{C} {N} একজন বন্ধুকে {b}টি বই দেয়।",
         "mul": "{C} {Ng} বইয়ের সংখ্যা বেড়ে {b} গুণ হয়।",
         "question": "এখন {Ng} কাছে কয়টি বই আছে?"},
        {"N": "রিনা", "Ng": "রিনার",
         "intro": "{Ng} মাটির ব্যাংকে {a}টি কয়েন আছে।",
         "add": "{C} {N} আরও {b}টি কয়েন জমায়।",
         "sub": "{C} {N} মিষ্টি কিনতে {b}টি কয়েন খরচ করে।",
         "mul": "{C} {Ng} কয়েনের সংখ্যা {b} গুণ হয়ে যায়।",
         "question": "এখন {Ng} কাছে কয়টি কয়েন আছে?"},
    ),
}

N_STORIES = len(STORIES["en"])
