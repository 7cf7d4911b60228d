"""Interop: `tokenmill render-qa` output.

* NQ and MS MARCO fixtures written to Parquet by pyarrow give the same records and pages as the JSONL;
* SIGKILL during a run over many batches, re-run each time, then `--skip-marco`, then all sources
  again: every key exactly once, nothing missing, and resumed runs skip done keys before rendering;
* Hugging Face `datasets` loads the folder with one call: one feature set, PIL images of the stated
  size, filters on `metadata.source` and `quality`.
"""
import json
import os
import re
import signal
import subprocess
import time

import pyarrow as pa
import pyarrow.parquet as pq

from helpers import BIN, ROOT, SHARED

QA = ROOT / "Tests" / "Fixtures" / "qa"
MARCO_FAQ = SHARED / "qa" / "python_faq.msmarco_shape.jsonl"
SQUAD = SHARED / "qa" / "squad_sample.allennlp.json"
TOKENIZER = ROOT / "Tests" / "Fixtures" / "tokenizers" / "hf_bpe_en_8k.json"


def run(out, *args, check=True):
    p = subprocess.run([BIN, "render-qa", "-o", str(out), "--tokenizer", str(TOKENIZER), *args], capture_output=True, text=True)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def records(out):
    rows = []
    for shard in sorted((out / "data").iterdir()):
        assert not shard.name.endswith(".tmp")
        with open(shard / "metadata.jsonl", encoding="utf-8") as f:
            rows += [(shard, json.loads(line)) for line in f]
    return rows


def counts(stdout):
    m = re.search(r"rendered (\d+), already done (\d+)", stdout)
    return int(m.group(1)), int(m.group(2))


def test_parquet_fixtures_give_the_jsonl_records(tmp_path):
    for name in ("nq_shape", "marco_shape"):
        rows = [json.loads(line) for line in open(QA / f"{name}.jsonl", encoding="utf-8")]
        pq.write_table(pa.Table.from_pylist(rows), tmp_path / f"{name}.parquet", row_group_size=2)
    run(tmp_path / "a", "--nq", str(QA / "nq_shape.jsonl"), "--marco", str(QA / "marco_shape.jsonl"), "--resolution", "base")
    run(tmp_path / "b", "--nq", str(tmp_path / "nq_shape.parquet"), "--marco", str(tmp_path / "marco_shape.parquet"), "--resolution", "base")
    a, b = records(tmp_path / "a"), records(tmp_path / "b")
    assert [r for _, r in a] == [r for _, r in b]
    assert len(a) == 3 + 2  # NQ: normal, yes/no, 5 annotators; MS MARCO: two with answers
    for (sa, ra), (sb, rb) in zip(a, b):
        assert (sa / ra["file_name"]).read_bytes() == (sb / rb["file_name"]).read_bytes()
    nq = {r["metadata"]["original_id"]: r for _, r in a if r["metadata"]["source"] == "natural_questions"}
    assert nq["nq-normal"]["text"] == "The Eiffel Tower is in Paris ."
    assert nq["nq-normal"]["answer"] == nq["nq-normal"]["long_answer"] == "The Eiffel Tower is in Paris ."
    assert nq["nq-normal"]["short_answer"] == "Paris"
    assert nq["nq-yes-no"]["short_answer"] == "YES" and nq["nq-yes-no"]["long_answer"] is None
    assert nq["nq-yes-no"]["metadata"]["answer_type"] == "yes_no"
    assert nq["nq-5-annotators"]["short_answer"] == "Paris"


def test_killed_runs_resume_to_every_key_exactly_once(tmp_path):
    out = tmp_path / "qa"
    sources = ["--nq", str(QA / "nq_shape.jsonl"), "--marco", str(MARCO_FAQ), "--squad", str(SQUAD)]
    args = [*sources, "--batch-size", "5", "--jobs", "1", "--resolution", "gundam"]
    expected = 3 + 173 + 5
    kills = 0
    for _ in range(3):
        # Kill once the run has written at least one more shard: always mid-run, never by luck.
        before = len(list((out / "data").glob("shard-?????"))) if (out / "data").exists() else 0
        p = subprocess.Popen([BIN, "render-qa", "-o", str(out), "--tokenizer", str(TOKENIZER), *args],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while p.poll() is None and time.time() < deadline:
            if (out / "data").exists() and len(list((out / "data").glob("shard-?????"))) > before:
                break
            time.sleep(0.005)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.wait()
    assert kills >= 3, "the runs finished before they could be killed"
    on_disk = len(records(out)) if (out / "data").exists() else 0
    rendered, done = counts(run(out, *args).stdout)
    assert done == on_disk and rendered == expected - on_disk  # done keys are skipped before rendering
    rendered, done = counts(run(out, *args, "--skip-marco").stdout)
    assert (rendered, done) == (0, 3 + 5)
    rendered, done = counts(run(out, *args).stdout)
    assert (rendered, done) == (0, expected)
    rows = records(out)
    keys = [(r["metadata"]["source"], r["metadata"]["original_id"]) for _, r in rows]
    assert len(keys) == len(set(keys)) == expected
    other = run(out, *sources, "--resolution", "tiny", check=False)
    assert other.returncode != 0 and "rendered at gundam" in other.stderr
    progress = json.load(open(out / "progress.json"))
    ids = [s["id"] for s in progress["shards"]]
    assert ids == sorted(ids) and progress["next_shard"] > max(ids) and progress["samples"] == expected


def test_hf_datasets_loads_the_folder(tmp_path):
    import datasets
    out = tmp_path / "qa"
    run(out, "--nq", str(QA / "nq_shape.jsonl"), "--marco", str(MARCO_FAQ), "--squad", str(SQUAD), "--batch-size", "50")
    # A cache of its own: datasets keys a local folder's prepared data by the folder's name and
    # file layout, so an older "qa" folder of the same layout (another test run) would be reused.
    ds = datasets.load_dataset(str(out), split="train", cache_dir=str(tmp_path / "hf-cache"))
    assert ds.num_rows == 3 + 173 + 5
    assert set(ds.features) >= {"image", "text", "instruction", "answer", "short_answer", "long_answer", "answer_start_token",
                                 "answer_end_token", "quality", "image_height", "token_count", "extracted_token_count", "metadata"}
    for row in ds.select(range(0, ds.num_rows, 20)):
        assert row["image"].size == (1600, row["image_height"])
    assert ds.filter(lambda r: r["metadata"]["source"] == "squad").num_rows == 5
    assert ds.filter(lambda r: r["metadata"]["source"] == "natural_questions").num_rows == 3
    excellent = ds.filter(lambda r: r["quality"] == "excellent").num_rows
    stats = json.load(open(out / "stats.json"))
    assert excellent == stats["quality"]["excellent"]["count"] > 0
