#!/usr/bin/env python3
"""Seeded random strings for tokenizer differential tests: mixed scripts, emoji (with ZWJ and
skin tones), combining marks, whitespace runs (incl. CR/LF/tab/NBSP/ideographic space), digits,
apostrophes and contractions in both cases, punctuation. Only assigned, long-stable code points
are used, so the reference regex engines and ours agree on their Unicode classes.

Usage: random_strings.py SEED COUNT > strings.jsonl   (one JSON string per line)"""
import json
import random
import sys

POOLS = [
    "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", "0123456789",
    "àéèìòùçñüößÀÉÈÇÑÜ", "ſ", "абвгдежзийклмнопрстуфхцчшщъыьэюяАБВГДЕЖЗ", "αβγδεζηθικλμνξοπρστυφχψωΑΒΓΔΣΩ",
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文",
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんアイウエオカキクケコ",
    "한국어문자열가나다라마바사아자차카타파하", "مرحبابالعالم", "नमस्तेदुनिया", "שלוםעולם", "ไทยภาษา",
    "\u0301\u0300\u0308\u0327\u20dd\u0903",  # combining marks (Mn, Me, Mc)
    "😀😃😄😁🙂🙃😉🚀🌍🎉👍👨\u200d👩\u200d👧🏽🏿❤️", "ǅǈǋᾈᾉ", "ʰʲˠ",  # titlecase, modifier letters
    "²³¹¼½⅓Ⅳⅷ①٣३",  # other numbers, letter numbers, non-Latin digits
    "'''''", "'s'S't'T're'RE've'VE'm'M'll'LL'd'D'ſ", " ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", " \n ",
    "\u00a0", "\u3000", "\u2003", "\u202f",
    ".,;:!?-_()[]{}<>/\\|@#$%^&*+=~`\"", "...", "—–", "«»„“”‘’", "/", "//",
]

def one(rng):
    parts = []
    for _ in range(rng.randint(1, 12)):
        pool = rng.choice(POOLS)
        parts.append("".join(rng.choice(pool) if len(pool) > 1 else pool for _ in range(rng.randint(1, 6))))
    return "".join(parts)

seed, count = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(seed)
for _ in range(count):
    print(json.dumps(one(rng), ensure_ascii=False))
