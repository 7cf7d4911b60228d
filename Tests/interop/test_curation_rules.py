"""The quality rule sets of `tokenmill filter --rules` against datatrove's filters (pip-installed,
default thresholds) on the shared English corpus: the keep/drop decision must agree on ≥ 99 % of
documents per rule set; the reasons and, for C4, the rewritten text are compared as well.

datatrove counts words with spaCy's blank English tokenizer, so our word tokenizer is checked
against spaCy too: its special-case table entry by entry, and its words on every document."""
import collections
import gzip
import json
import subprocess

import pytest

from helpers import BIN, SHARED

RULES = ["gopher_quality", "gopher_repetition", "c4", "fineweb"]


def english_docs():
    with gzip.open(SHARED / "en" / "python_docs.jsonl.gz", "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def docs():
    return english_docs()


@pytest.fixture(scope="module")
def corpus_file(docs, tmp_path_factory):
    path = tmp_path_factory.mktemp("rules") / "en.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for i, d in enumerate(docs):
            f.write(json.dumps({"id": str(i), "text": d["text"]}, ensure_ascii=False) + "\n")
    return path


def datatrove_filter(name):
    from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter
    return {"gopher_quality": GopherQualityFilter, "gopher_repetition": GopherRepetitionFilter,
            "c4": C4QualityFilter, "fineweb": FineWebQualityFilter}[name]()


def test_special_cases_equal_spacy():
    from spacy.attrs import ORTH
    from spacy.lang.en import English
    ref = {k: [t[ORTH] for t in v] for k, v in English.Defaults.tokenizer_exceptions.items()}
    ours = json.loads(subprocess.run([BIN, "words", "--special-cases"], check=True, capture_output=True).stdout)
    assert len(ref) == 1347
    assert ours == ref


def test_words_equal_spacy(docs, corpus_file):
    import spacy
    nlp = spacy.blank("en")
    out = subprocess.run([BIN, "words", str(corpus_file)], check=True, capture_output=True).stdout.decode("utf-8")
    ours = [json.loads(line)["words"] for line in out.split("\n") if line]
    assert len(ours) == len(docs)
    differ = [i for i, d in enumerate(docs) if ours[i] != [t.text.strip() for t in nlp(d["text"]) if t.text.strip()]]
    print(f"words differ from spaCy's on {len(differ)} of {len(docs)} documents: {differ[:10]}")
    assert len(differ) <= len(docs) // 1000


@pytest.mark.parametrize("rule", RULES)
def test_rule_set_agrees_with_datatrove(rule, docs, corpus_file, tmp_path):
    from datatrove.data import Document
    kept_path, rejects_path = tmp_path / "kept.jsonl", tmp_path / "rejects.jsonl"
    subprocess.run([BIN, "filter", "--no-normalize", "--keep-junk", "--rules", rule, "-o", str(kept_path),
                    "--rejects", str(rejects_path), str(corpus_file)], check=True, capture_output=True)
    kept = {r["id"]: r["text"] for r in map(json.loads, open(kept_path, encoding="utf-8"))}
    rejected = {r["id"]: r for r in map(json.loads, open(rejects_path, encoding="utf-8"))}
    assert len(kept) + len(rejected) == len(docs)
    assert all(r["stage"] == rule for r in rejected.values())

    f = datatrove_filter(rule)
    disagree, reasons, texts, dropped = [], 0, 0, collections.Counter()
    for i, d in enumerate(docs):
        doc = Document(text=d["text"], id=str(i))
        result = f.filter(doc)
        keep, reason = (result, None) if not isinstance(result, tuple) else result
        if not keep:
            dropped[reason] += 1
        if bool(keep) != (str(i) in kept):
            disagree.append(i)
        elif not keep and rejected[str(i)]["filter_reason"] != reason:
            reasons += 1
        elif keep and kept[str(i)] != doc.text:
            texts += 1
    agreement = 1 - len(disagree) / len(docs)
    print(f"{rule}: datatrove drops {sum(dropped.values())} of {len(docs)} {dict(dropped)}; "
          f"decisions agree on {agreement:.4%}; disagreements {disagree[:20]}; other reason {reasons}; other text {texts}")
    assert sum(dropped.values()) > 0 and sum(dropped.values()) < len(docs)  # the rule set decides something here
    assert agreement >= 0.99
    assert reasons <= len(docs) // 100 and texts <= len(docs) // 100
