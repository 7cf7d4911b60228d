"""Live differential tests for Hugging Face Unigram tokenizer.json files (pip tokenizers 0.23.3):
the tokenizer.json we write for our trained Unigram models loads in `tokenizers` and gives our
ids; and tokenizer.json files made by `tokenizers` itself (its Unigram trainer, and several
normalizer / pre-tokenizer / added-token pipelines around a sentencepiece charsmap) give the
same ids in our reader as in `tokenizers`. Texts: every document of the shared English and
Italian corpora and 100,000 seeded random strings."""
import json
import subprocess

import pytest
import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2
from tokenizers import AddedToken, Regex, SentencePieceUnigramTokenizer, Tokenizer, decoders, normalizers, pre_tokenizers
from tokenizers.models import Unigram

from helpers import BIN, FIXTURES, corpus, first_difference, ours, texts_file
from test_sentencepiece import train_ours


@pytest.fixture(scope="module")
def texts(tmp_path_factory):
    return texts_file(tmp_path_factory.mktemp("hfu"))


def hf_ids(tokenizer, texts):
    return [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)]


def assert_same(got, ref, all_texts):
    i = first_difference(got, ref)
    assert i is None, f"text {i}: {all_texts[i][:80]!r}"


@pytest.mark.parametrize("byte_fallback", [False, True])
def test_our_unigram_tokenizer_json_loads_in_hf_with_our_ids(texts, tmp_path, byte_fallback):
    all_texts, path = texts
    train = tmp_path / "train.txt"
    train.write_text("".join(line + "\n" for t in corpus("en/python_docs.jsonl.gz") for line in t.split("\n") if line),
                     encoding="utf-8")
    train_ours(train, tmp_path / "ours.model", 8000, *(["--byte-fallback"] if byte_fallback else []))
    written = (tmp_path / "ours.json").read_text(encoding="utf-8")
    tok = Tokenizer.from_file(str(tmp_path / "ours.json"))
    # tokenizers writes the file back the same, but for scores an ulp away (serde_json's parse of
    # 17-digit numbers rounds twice; our reader does the same, see SerdeNumber).
    back, mine = json.loads(tok.to_str()), json.loads(written)
    assert [v[0] for v in back["model"]["vocab"]] == [v[0] for v in mine["model"]["vocab"]]
    assert all(abs(a[1] - b[1]) <= 1e-15 * abs(b[1]) for a, b in zip(back["model"]["vocab"], mine["model"]["vocab"]))
    back["model"]["vocab"] = mine["model"]["vocab"] = None
    assert back == mine
    assert tok.get_vocab_size() == 8000
    ref = hf_ids(tok, all_texts)
    assert_same(ours(tmp_path / "ours.json", path), ref, all_texts)
    # Against the .model (sentencepiece's ids): tokenizers scores in float64 word by word, where
    # sentencepiece sums float32 over a whole document, and applies the charsmap by grapheme
    # cluster. The corpora agree but for a few near-ties; report the figures.
    by_model = ours(tmp_path / "ours.model", path)
    sp = spm.SentencePieceProcessor(model_file=str(tmp_path / "ours.model"))
    n_en, n_it = len(corpus("en/python_docs.jsonl.gz")), len(corpus("it/debian_docs_it.jsonl.gz"))
    spans = {"en": range(0, n_en), "it": range(n_en, n_en + n_it), "random": range(n_en + n_it, len(all_texts))}
    differ = {k: sum(1 for i in r if ref[i] != by_model[i]) for k, r in spans.items()}
    print(f"byte_fallback={byte_fallback}: tokenizer.json (tokenizers) vs .model (sentencepiece) differ on "
          f"{differ['en']}/{n_en} English, {differ['it']}/{n_it} Italian, {differ['random']}/100000 random texts")
    assert by_model[:50] == sp.encode(all_texts[:50])
    assert tok.decode(ref[0]) == sp.decode(by_model[0])


def test_hf_trained_unigram_ids_equal(texts, tmp_path):
    """A tokenizer.json from tokenizers' own Unigram trainer (Nmt + NFKC + Replace, Metaspace
    `always`, special added tokens, Metaspace decoder)."""
    all_texts, path = texts
    trainer = SentencePieceUnigramTokenizer()
    trainer.train_from_iterator(corpus("en/python_docs.jsonl.gz"), vocab_size=2000, show_progress=False,
                                special_tokens=["<unk>", "<s>", "</s>"], unk_token="<unk>")
    trainer.save(str(tmp_path / "hf.json"))
    tok = Tokenizer.from_file(str(tmp_path / "hf.json"))
    assert_same(ours(tmp_path / "hf.json", path), hf_ids(tok, all_texts), all_texts)


def charsmap():
    m = sentencepiece_model_pb2.ModelProto()
    m.ParseFromString((FIXTURES / "spm_unigram_en_8k.model").read_bytes())
    return m, m.normalizer_spec.precompiled_charsmap


def variant(name):
    """tokenizer.json pipelines around the committed sentencepiece model's vocabulary."""
    m, blob = charsmap()
    vocab = [(p.piece, p.score) for p in m.pieces]
    byte_fallback = name == "first+added+bytes"
    if byte_fallback:
        vocab += [(f"<0x{b:02X}>", 0.0) for b in range(256)]
    tok = Tokenizer(Unigram(vocab, 0, byte_fallback))
    precompiled = normalizers.Precompiled(blob)
    if name == "converter":  # what transformers' SpmConverter writes
        tok.normalizer = normalizers.Sequence([precompiled, normalizers.Replace(Regex(" {2,}"), " ")])
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
        tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    elif name == "first+added+bytes":
        tok.normalizer = normalizers.Sequence([precompiled, normalizers.Strip(left=True, right=False)])
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True)
        tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()])
        tok.add_tokens([AddedToken("[MARK]", normalized=False), AddedToken("the", normalized=True, single_word=True)])
        tok.add_special_tokens(["<tool>"])
    elif name == "whitespace-split+nmt":
        tok.normalizer = normalizers.Sequence([normalizers.Nmt(), normalizers.NFKC(), normalizers.Lowercase(),
                                               normalizers.Strip()])
        tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(),
                                                     pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first")])
    elif name == "never+nosplit":
        tok.normalizer = normalizers.Sequence([precompiled, normalizers.Replace(" ", "▁"), normalizers.Prepend("▁")])
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="never", split=False)
    return tok


@pytest.mark.parametrize("name", ["converter", "first+added+bytes", "whitespace-split+nmt", "never+nosplit"])
def test_hf_unigram_pipelines_ids_equal(texts, tmp_path, name):
    all_texts, path = texts
    variant(name).save(str(tmp_path / "t.json"))
    # Loaded back: scores as tokenizers reads them from the file.
    tok = Tokenizer.from_file(str(tmp_path / "t.json"))
    extra = ["[MARK] the theme <tool>x", "<tool> the", "\x01 the", " [MARK]the"]
    probe = tmp_path / "probe.jsonl"
    probe.write_text("".join(json.dumps({"text": t}) + "\n" for t in extra), encoding="utf-8")
    assert_same(ours(tmp_path / "t.json", probe), hf_ids(tok, extra), extra)
    assert_same(ours(tmp_path / "t.json", path), hf_ids(tok, all_texts), all_texts)


def test_unsupported_pipeline_is_refused_with_its_name(tmp_path):
    m, _ = charsmap()
    tok = Tokenizer(Unigram([(p.piece, p.score) for p in m.pieces], 0, False))
    tok.normalizer = normalizers.Replace(Regex("[0-9]+"), "0")
    tok.save(str(tmp_path / "t.json"))
    r = subprocess.run([BIN, "encode", "--tokenizer", str(tmp_path / "t.json"), "-"], input="x", capture_output=True, text=True)
    assert r.returncode != 0 and "normalizer.pattern.Regex" in r.stderr and "[0-9]+" in r.stderr, r.stderr

