#!/usr/bin/env python3
"""Regenerates the SentencePiece and Unigram parity fixtures (pip: sentencepiece==0.2.3
tokenizers==0.23.3; the release `tokenmill` binary built). From the repository root:

    python3 scripts/goldens/make_sp_goldens.py

Models, trained by sentencepiece on the shared English corpus with one thread (a model file that
exists is kept, so the goldens stay those of the committed model):
  spm_unigram_en_8k.model       defaults + vocab 8000, one document per line
  spm_unigram_en_8k_bf.model    the same with byte_fallback, one sentence (line) per line
  spm_unigram_en_32k.model      vocab 32000, one sentence per line
  spm_unigram_en_32k_bf.model   vocab 32000 with byte_fallback, one sentence per line
  hf_unigram_en_2k.json         tokenizers' own Unigram trainer (SentencePieceUnigramTokenizer), vocab 2000

Goldens, in the format of make_bpe_goldens.py, goldens/NAME.{en,it,random}.txt.gz:
  mistral, spm_unigram_8k, spm_unigram_8k_bf, spm_unigram_32k, spm_unigram_32k_bf   sentencepiece's ids
  hf_unigram_2k                 tokenizers' ids for hf_unigram_en_2k.json
  hf_unigram_export_8k          tokenizers' ids for `tokenmill export-tokenizer spm_unigram_en_8k.model`"""
import gzip
import json
import os
import subprocess
import sys
import tempfile

import sentencepiece as spm
from tokenizers import SentencePieceUnigramTokenizer, Tokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_bpe_goldens import OUT, ROOT, SHARED, chunk_hashes, corpus, write_gz  # noqa: E402

BIN = os.environ.get("TOKENMILL_BIN", os.path.join(ROOT, ".build", "release", "tokenmill"))


def train(path, text_file, vocab, byte_fallback):
    if os.path.exists(path):
        return
    prefix = os.path.join(tempfile.mkdtemp(), "m")
    spm.SentencePieceTrainer.train(input=text_file, model_prefix=prefix, vocab_size=vocab, model_type="unigram",
                                   byte_fallback=byte_fallback, num_threads=1, minloglevel=2)
    os.replace(prefix + ".model", path)


def main():
    with gzip.open(os.path.join(OUT, "random_strings.jsonl.gz"), "rt", encoding="utf-8") as f:
        random_strings = [json.loads(line) for line in f]
    sets = {"en": corpus("en/python_docs.jsonl.gz"), "it": corpus("it/debian_docs_it.jsonl.gz"), "random": random_strings}
    work = tempfile.mkdtemp()
    documents = os.path.join(work, "documents.txt")
    with open(documents, "w", encoding="utf-8") as f:
        f.write("\n".join(t.replace("\n", " ") for t in sets["en"]))
    sentences = os.path.join(work, "sentences.txt")
    with open(sentences, "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for t in sets["en"] for line in t.split("\n") if line))
    models = {"mistral": os.path.join(SHARED, "tokenizers", "mistral_tokenizer.model.v1")}
    for name, text_file, vocab, bf in [("8k", documents, 8000, False), ("8k_bf", sentences, 8000, True),
                                       ("32k", sentences, 32000, False), ("32k_bf", sentences, 32000, True)]:
        path = os.path.join(OUT, f"spm_unigram_en_{name}.model")
        train(path, text_file, vocab, bf)
        models[f"spm_unigram_{name}"] = path
    for name, path in models.items():
        sp = spm.SentencePieceProcessor(model_file=path)
        for set_name, texts in sets.items():
            write_gz(os.path.join(OUT, "goldens", f"{name}.{set_name}.txt.gz"), chunk_hashes(sp.encode(texts, out_type=int)))

    hf_path = os.path.join(OUT, "hf_unigram_en_2k.json")
    if not os.path.exists(hf_path):
        trainer = SentencePieceUnigramTokenizer()
        trainer.train_from_iterator(sets["en"], vocab_size=2000, show_progress=False,
                                    special_tokens=["<unk>", "<s>", "</s>"], unk_token="<unk>")
        trainer.save(hf_path)
    exported = os.path.join(work, "export.json")
    subprocess.run([BIN, "export-tokenizer", models["spm_unigram_8k"], "-o", exported], check=True)
    for name, path in (("hf_unigram_2k", hf_path), ("hf_unigram_export_8k", exported)):
        tok = Tokenizer.from_file(path)
        for set_name, texts in sets.items():
            ids = [e.ids for e in tok.encode_batch(texts, add_special_tokens=False)]
            write_gz(os.path.join(OUT, "goldens", f"{name}.{set_name}.txt.gz"), chunk_hashes(ids))
    print("fixtures written to", OUT)


if __name__ == "__main__":
    main()
