#!/usr/bin/env python3
"""Regenerates the SentencePiece parity fixtures (pip: sentencepiece==0.2.3). From the repository root:

    python3 scripts/goldens/make_sp_goldens.py

Writes Tests/Fixtures/tokenizers/spm_unigram_en_8k.model (a Unigram model trained by
sentencepiece on the shared English corpus, one document per line, defaults + vocab 8000) and
goldens/{mistral,spm_unigram_8k}.{en,it,random}.txt.gz in the format of make_bpe_goldens.py."""
import gzip
import json
import os
import shutil
import sys
import tempfile

import sentencepiece as spm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_bpe_goldens import OUT, SHARED, chunk_hashes, corpus, write_gz  # noqa: E402


def main():
    with gzip.open(os.path.join(OUT, "random_strings.jsonl.gz"), "rt", encoding="utf-8") as f:
        random_strings = [json.loads(line) for line in f]
    sets = {"en": corpus("en/python_docs.jsonl.gz"), "it": corpus("it/debian_docs_it.jsonl.gz"), "random": random_strings}
    work = tempfile.mkdtemp()
    train = os.path.join(work, "train.txt")
    with open(train, "w", encoding="utf-8") as f:
        f.write("\n".join(t.replace("\n", " ") for t in sets["en"]))
    spm.SentencePieceTrainer.train(input=train, model_prefix=os.path.join(work, "uni"), vocab_size=8000,
                                   model_type="unigram", num_threads=1, minloglevel=2)
    shutil.copy(os.path.join(work, "uni.model"), os.path.join(OUT, "spm_unigram_en_8k.model"))
    models = {"mistral": os.path.join(SHARED, "tokenizers", "mistral_tokenizer.model.v1"),
              "spm_unigram_8k": os.path.join(OUT, "spm_unigram_en_8k.model")}
    for name, path in models.items():
        sp = spm.SentencePieceProcessor(model_file=path)
        for set_name, texts in sets.items():
            write_gz(os.path.join(OUT, "goldens", f"{name}.{set_name}.txt.gz"), chunk_hashes(sp.encode(texts, out_type=int)))
    print("fixtures written to", OUT)


if __name__ == "__main__":
    main()
