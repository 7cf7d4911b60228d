"""NFKC in `tokenmill normalize` (ICU) against Python's unicodedata.normalize('NFKC') on every
document of the shared corpora and on 100,000 seeded random strings drawn from ranges where NFKC
does the most: half-width and full-width forms, kana with voiced marks, Hangul syllables and
conjoining jamo, compatibility ideographs, ligatures, enclosed and squared forms, combining marks.

Python's unicodedata follows its own Unicode version (14.0 in Python 3.11), Debian 12's ICU 15.0:
code points assigned after 14.0 are left out of the random strings (unassigned there, so Python
leaves them alone while ICU may not)."""
import json
import random
import subprocess
import unicodedata

from helpers import BIN, corpus

RANGES = [(0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x1100, 0x11FF), (0x2000, 0x206F), (0x2100, 0x218F),
          (0x2460, 0x24FF), (0x3000, 0x30FF), (0x3130, 0x318F), (0x3200, 0x33FF), (0xA960, 0xA97F), (0xAC00, 0xD7A3),
          (0xD7B0, 0xD7FF), (0xF900, 0xFAFF), (0xFB00, 0xFB4F), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x1D400, 0x1D7FF),
          (0x1F100, 0x1F2FF)]


def random_strings(n, seed=1234):
    rng = random.Random(seed)
    pool = [cp for lo, hi in RANGES for cp in range(lo, hi + 1)
            if unicodedata.category(chr(cp)) not in ("Cn", "Cs", "Co", "Cc")]
    return ["".join(chr(rng.choice(pool)) for _ in range(rng.randint(1, 24))) for _ in range(n)]


def ours_nfkc(texts, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts), encoding="utf-8")
    out = subprocess.run([BIN, "normalize", "--keep-controls", "--keep-whitespace", str(path)],
                         check=True, capture_output=True).stdout.decode("utf-8")
    return [json.loads(line)["text"] for line in out.split("\n") if line]


def check(texts, tmp_path):
    got = ours_nfkc(texts, tmp_path)
    assert len(got) == len(texts)
    bad = [i for i, (t, g) in enumerate(zip(texts, got)) if unicodedata.normalize("NFKC", t) != g]
    assert not bad, f"{len(bad)} differ; first {texts[bad[0]]!r}: ours {got[bad[0]]!r}, python {unicodedata.normalize('NFKC', texts[bad[0]])!r}"


def test_nfkc_equals_python_on_the_shared_corpora(tmp_path):
    texts = [t.replace("\r", "") for t in corpus("en/python_docs.jsonl.gz") + corpus("it/debian_docs_it.jsonl.gz")]
    check(texts, tmp_path)


def test_nfkc_equals_python_on_random_strings(tmp_path):
    texts = random_strings(100_000)
    assert any("\uff76\uff9e" in t or "\uff9e" in t for t in texts) and any("\u1100" <= c <= "\u11ff" for t in texts for c in t)
    check(texts, tmp_path)
