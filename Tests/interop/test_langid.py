"""Language identification on text the model was not trained on: the shared labelled fortunes
(12 languages), classified by our bundled model (`tokenmill langid`), langdetect and py3langid
in the same run. Macro accuracy over the languages all three know: ours must not be below
either. (The full evaluation, with man pages and LibreOffice help and throughput, is
scripts/eval_langid.py; its figures are in docs/performance.md.)"""
import gzip
import json
import subprocess

from helpers import BIN, SHARED

FOLD = {"zh-cn": "zh", "zh-tw": "zh", "no": "nb"}


def test_fortunes_macro_accuracy_at_least_langdetect_and_py3langid(tmp_path):
    import langdetect
    import py3langid
    from langdetect import DetectorFactory
    from langdetect.detector_factory import init_factory
    import langdetect.detector_factory as ldf
    import py3langid.langid as pylid

    rows = [json.loads(l) for l in gzip.open(SHARED / "langid" / "fortunes_langid.jsonl.gz", "rt", encoding="utf-8")]
    assert len(rows) == 4521
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = subprocess.run([BIN, "langid", str(src)], check=True, capture_output=True, text=True).stdout.splitlines()
    ours = [json.loads(l)["metadata"] for l in out]
    assert [json.loads(l)["id"] for l in out] == [r["id"] for r in rows]
    assert all(0 <= m["language_score"] <= 1 for m in ours)

    DetectorFactory.seed = 0
    init_factory()

    def detect(t):
        try:
            return langdetect.detect(t)
        except langdetect.LangDetectException:
            return ""

    guesses = {
        "tokenmill": [m["language"] for m in ours],
        "langdetect": [FOLD.get(g, g) for g in map(detect, (r["text"] for r in rows))],
        "py3langid": [FOLD.get(g, g) for g in (py3langid.classify(r["text"])[0] for r in rows)],
    }
    known = {
        "tokenmill": set(subprocess.run([BIN, "langid", "--languages"], check=True, capture_output=True, text=True).stdout.split()),
        "langdetect": {FOLD.get(l, l) for l in ldf._factory.get_lang_list()},
        "py3langid": {FOLD.get(l, l) for l in pylid._get_identifier().nb_classes},
    }
    languages = sorted({r["lang"] for r in rows})
    common = [l for l in languages if all(l in k for k in known.values())]
    assert len(common) >= 10
    macro = {}
    for tool, g in guesses.items():
        per = []
        for l in common:
            idx = [i for i, r in enumerate(rows) if r["lang"] == l]
            per.append(sum(g[i] == l for i in idx) / len(idx))
        macro[tool] = sum(per) / len(per)
    print("fortunes, macro accuracy over", common, macro)
    assert macro["tokenmill"] >= macro["langdetect"]
    assert macro["tokenmill"] >= macro["py3langid"]
    assert macro["tokenmill"] >= 0.95
    # Every language of the sample, including those langdetect lacks (eo, ga).
    for l in languages:
        idx = [i for i, r in enumerate(rows) if r["lang"] == l]
        assert sum(guesses["tokenmill"][i] == l for i in idx) / len(idx) >= 0.85, l


def test_filter_by_language_keeps_metadata_and_is_the_same_for_any_jobs(tmp_path):
    src = tmp_path / "in.jsonl"
    with gzip.open(SHARED / "langid" / "fortunes_langid.jsonl.gz", "rb") as f:
        src.write_bytes(f.read())
    outputs = {}
    for jobs in (1, 2):
        kept, rejects = tmp_path / f"kept{jobs}.jsonl", tmp_path / f"rejects{jobs}.jsonl"
        subprocess.run([BIN, "filter", "--no-normalize", "--lang", "it,pl", "--lang-threshold", "0.85", "--jobs", str(jobs), str(src),
                        "-o", str(kept), "--rejects", str(rejects)], check=True, capture_output=True)
        outputs[jobs] = (kept.read_bytes(), rejects.read_bytes())
    assert outputs[1] == outputs[2]
    kept = [json.loads(l) for l in outputs[1][0].decode().splitlines()]
    rejected = [json.loads(l) for l in outputs[1][1].decode().splitlines()]
    assert len(kept) + len(rejected) == 4521
    assert all(r["metadata"]["language"] in ("it", "pl") and r["metadata"]["language_score"] >= 0.85 for r in kept)
    assert sum(r["lang"] in ("it", "pl") for r in kept) >= 0.95 * len(kept) and len(kept) >= 720
    assert {r["filter_reason"] for r in rejected} <= {"language", "language_score"}
    assert all(r["stage"] == "language" and "language" in r["metadata"] for r in rejected)
