#!/usr/bin/env python3
"""Language identification, held out: TokenMill's bundled model beside langdetect and py3langid.

Evaluation text that the model never saw in training:
  * man pages   — Debian's manpages (English) and manpages-XX translations,
  * LibreOffice — Debian's libreoffice-help-XX (HTML help pages),
  * fortunes    — ../shared/corpora/langid/fortunes_langid.jsonl.gz (labelled sample).
Packages are fetched with `apt-get download` into the cache folder and unpacked with dpkg-deb.
Paragraphs of 50-1000 characters are sampled (seeded) per language; a paragraph found in more
than one language of a set (left untranslated) is dropped, and so is any paragraph that shares
an 8-word run with the training catalogs of its language (help texts such as coreutils' also
appear in man pages), so that no evaluation text overlaps the training text.

All three tools classify the same texts in this one run; accuracy is per language, macro
accuracy over the languages every tool knows (the fair comparison), and throughput is measured
on all the texts (TokenMill: the CLI on one thread and on all cores, start-up included).

  python3 scripts/eval_langid.py [--tokenmill .build/release/tokenmill] [--cache DIR] [--per-language 250]
"""
import argparse
import collections
import gettext
import glob
import gzip
import html
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAN_LANGS = ["cs", "da", "de", "el", "es", "fi", "fr", "hu", "id", "it", "ja", "mk", "nb", "nl", "pl",
             "pt-br", "ro", "ru", "sr", "sv", "tr", "uk", "vi", "zh"]
FOLD = {"pt_BR": "pt", "pt-BR": "pt", "zh_CN": "zh", "zh_TW": "zh", "zh-CN": "zh", "zh-TW": "zh",
        "en-US": "en", "zh-cn": "zh", "zh-tw": "zh", "no": "nb"}


def fetch(cache, packages):
    debs = os.path.join(cache, "debs")
    os.makedirs(debs, exist_ok=True)
    missing = [p for p in packages if not glob.glob(os.path.join(debs, p + "_*.deb"))]
    if missing:
        if subprocess.call(["apt-get", "download"] + missing, cwd=debs, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
            subprocess.check_call(["apt-get", "update"], stdout=subprocess.DEVNULL)
            subprocess.check_call(["apt-get", "download"] + missing, cwd=debs, stdout=subprocess.DEVNULL)
    root = os.path.join(cache, "root")
    stamp = os.path.join(cache, "unpacked")
    have = set(open(stamp).read().split()) if os.path.exists(stamp) else set()
    for p in packages:
        if p not in have:
            deb = glob.glob(os.path.join(debs, p + "_*.deb"))[0]
            subprocess.check_call(["dpkg-deb", "-x", deb, root])
            have.add(p)
    open(stamp, "w").write("\n".join(sorted(have)))
    return root


def troff_paragraphs(source):
    """Paragraphs of running text from man-page source (a rough troff reader: macros that
    break paragraphs, font and character escapes removed, option tags after .TP dropped)."""
    paragraphs, current, skip_tag = [], [], False

    def flush():
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    for line in source.splitlines():
        if line.startswith(('.\\"', "'\\\"", '\\"')):
            continue
        if line.startswith((".", "'")):
            parts = line[1:].split(None, 1)
            macro = parts[0] if parts else ""
            args = parts[1] if len(parts) > 1 else ""
            if macro in ("B", "I", "BR", "IR", "RB", "BI", "IB", "SM", "SB"):
                if skip_tag:
                    skip_tag = False
                    continue
                current.append(args.replace('"', ""))
            else:
                flush()
                skip_tag = macro == "TP"
            continue
        if skip_tag:
            skip_tag = False
            continue
        current.append(line)
    flush()
    out = []
    for p in paragraphs:
        p = re.sub(r"\\f(\[[^\]]*\]|\(..|.)", "", p)
        p = re.sub(r"\\\*(\[[^\]]*\]|\(..|.)", "", p)
        p = re.sub(r"\\\((aq|cq|oq)", "'", p)
        p = re.sub(r"\\\((lq|rq|dq)", '"', p)
        p = re.sub(r"\\\((em|en|hy)", "-", p)
        p = re.sub(r"\\\(..", "", p)
        p = re.sub(r"\\\[[^\]]*\]", "", p)
        p = p.replace("\\-", "-").replace("\\e", "\\").replace("\\ ", " ").replace("\\~", " ")
        p = re.sub(r"\\[&,/|^%:]", "", p)
        out.append(p)
    return out


def html_paragraphs(source):
    out = []
    for m in re.finditer(r"<p\b[^>]*>(.*?)</p>", source, re.S):
        out.append(html.unescape(re.sub(r"<[^>]+>", "", m.group(1))))
    return out


URL = re.compile(r"<?\b(?:https?://|www\.)\S+|\binfo '\([^)]*\)[^']*'")


def core(p):
    """The paragraph without URLs and info-node references: what a language is told from."""
    return URL.sub(" ", p)


NON_LATIN = {"bg", "dz", "el", "hi", "ja", "km", "ko", "mk", "ru", "sr", "uk", "zh"}


def clean(p, language=None):
    """A paragraph fit to evaluate on, or None: 50-1000 characters, at least 30 letters outside
    URLs; in a language not written in Latin script, mostly (>= 50 %) letters of its script
    (code and untranslated English in translated pages are not text of that language)."""
    p = re.sub(r"\s+", " ", p).strip()
    letters = [c for c in core(p) if c.isalpha()]
    if not (50 <= len(p) <= 1000) or len(letters) < 30:
        return None
    if language in NON_LATIN and sum(c.isascii() for c in letters) > len(letters) / 2:
        return None
    return p


def words(text):
    return re.findall(r"\w+", text.lower())


def shingles(text, k=8):
    w = words(text)
    return {zlib.crc32(" ".join(w[i:i + k]).encode()) << 8 | len(w[i]) for i in range(len(w) - k + 1)}


def training_shingles(locale_dir):
    """8-word shingles of the training messages, per language (as train-langid folds locales)."""
    per = collections.defaultdict(set)
    english_done = set()
    for locale in sorted(os.listdir(locale_dir)):
        if "@" in locale:
            continue
        base = locale.split("_")[0]
        language = "nb" if base == "no" else base
        for mo in glob.glob(os.path.join(locale_dir, locale, "LC_MESSAGES", "*.mo")):
            try:
                catalog = gettext.GNUTranslations(open(mo, "rb"))._catalog
            except Exception:
                continue
            domain = os.path.basename(mo)
            for key, value in catalog.items():
                original = key[0] if isinstance(key, tuple) else key
                if not original or base == "en":
                    continue
                if domain not in english_done:
                    per["en"] |= shingles(original)
                per[language] |= shingles(value)
            english_done.add(domain)
    return per


def sample(pools, per_language, seed):
    """Per language, the seeded sample of its distinct paragraphs, without those that occur in
    another language of the same set."""
    owners = collections.defaultdict(set)
    for language, paragraphs in pools.items():
        for p in paragraphs:
            owners[core(p)].add(language)
    out = {}
    for language in sorted(pools):
        # One paragraph per text once URLs are set aside ("Full documentation <URL>" × 100).
        by_core = {}
        for p in sorted(set(pools[language])):
            by_core.setdefault(core(p), p)
        distinct = sorted(p for c, p in by_core.items() if len(owners[c]) == 1)
        random.Random(f"{seed}:{language}").shuffle(distinct)
        out[language] = distinct
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenmill", default=os.path.join(ROOT, ".build/release/tokenmill"))
    ap.add_argument("--cache", default="/tmp/tokenmill-langid-eval")
    ap.add_argument("--per-language", type=int, default=250)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="write the figures here too")
    ap.add_argument("--save-sample", help="write the sampled texts (set, lang, text) here as JSONL")
    ap.add_argument("--sample-only", action="store_true", help="stop after --save-sample")
    args = ap.parse_args()

    import langdetect
    import py3langid
    from langdetect import DetectorFactory
    from langdetect.detector_factory import init_factory
    import langdetect.detector_factory as ldf
    from importlib.metadata import version

    print("fetching evaluation packages and the training catalogs...", file=sys.stderr)
    man_packages = ["manpages"] + ["manpages-" + l for l in MAN_LANGS]
    lo_listing = subprocess.run(["apt-cache", "search", "--names-only", "^libreoffice-help-"], capture_output=True, text=True).stdout
    lo_packages = sorted(l.split()[0] for l in lo_listing.splitlines() if l and not l.startswith("libreoffice-help-common"))
    root = fetch(args.cache, man_packages + lo_packages)
    train_dir = os.path.join(args.cache, "train")
    if not os.path.exists(os.path.join(train_dir, "PROVENANCE.tsv")):
        subprocess.check_call([os.path.join(ROOT, "scripts/fetch_langid_corpus.sh"), train_dir])
    seen = training_shingles(os.path.join(train_dir, "root/usr/share/locale"))

    sets = {}
    # Man pages.
    pools = collections.defaultdict(list)
    man_root = os.path.join(root, "usr/share/man")
    for folder in sorted(os.listdir(man_root)):
        if folder.startswith("man"):
            language, files = "en", glob.glob(os.path.join(man_root, folder, "*.gz"))
        else:
            language, files = FOLD.get(folder, folder), glob.glob(os.path.join(man_root, folder, "man*", "*.gz"))
        for f in sorted(files):
            try:
                source = gzip.open(f, "rt", encoding="utf-8", errors="replace").read()
            except (OSError, EOFError):
                continue
            pools[language] += [c for c in (clean(p, language) for p in troff_paragraphs(source)) if c]
    sets["man pages"] = pools
    # LibreOffice help.
    pools = collections.defaultdict(list)
    help_root = os.path.join(root, "usr/share/libreoffice/help")
    for folder in sorted(os.listdir(help_root)):
        if folder in ("media", "en-GB", "ca-valencia") or not os.path.isdir(os.path.join(help_root, folder, "text")):
            continue
        language = FOLD.get(folder, folder)
        for f in sorted(glob.glob(os.path.join(help_root, folder, "text", "**", "*.html"), recursive=True)):
            pools[language] += [c for c in (clean(p, language) for p in html_paragraphs(open(f, encoding="utf-8", errors="replace").read())) if c]
    sets["LibreOffice help"] = pools

    samples, overlap = [], collections.Counter()
    for name, pools in sets.items():
        for language, paragraphs in sample(pools, args.per_language, args.seed).items():
            kept = 0
            for p in paragraphs:
                if kept == args.per_language:
                    break
                if shingles(p) & seen.get(language, set()):
                    overlap[name] += 1
                    continue
                samples.append((name, language, p))
                kept += 1
    for line in gzip.open(os.path.join(ROOT, "../shared/corpora/langid/fortunes_langid.jsonl.gz"), "rt"):
        r = json.loads(line)
        samples.append(("fortunes", r["lang"], r["text"]))
    if args.save_sample:
        with open(args.save_sample, "w", encoding="utf-8") as f:
            for name, language, text in samples:
                f.write(json.dumps({"set": name, "lang": language, "text": text}, ensure_ascii=False) + "\n")
        if args.sample_only:
            return
    texts = [t for _, _, t in samples]
    chars = sum(len(t) for t in texts)
    mb = sum(len(t.encode()) for t in texts) / 1e6
    print(f"{len(texts)} texts, {mb:.1f} MB; dropped for overlapping the training text: {dict(overlap)}", file=sys.stderr)

    results, timing = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.jsonl")
        with open(src, "w") as f:
            for i, t in enumerate(texts):
                f.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")
        ours = subprocess.run([args.tokenmill, "langid", "--languages"], capture_output=True, text=True, check=True).stdout.split()
        for jobs in (1, os.cpu_count()):
            out = os.path.join(tmp, f"out{jobs}.jsonl")
            t0 = time.perf_counter()
            subprocess.check_call([args.tokenmill, "langid", "--jobs", str(jobs), src, "-o", out])
            timing[f"tokenmill ({jobs} thread{'s' if jobs > 1 else ''})"] = time.perf_counter() - t0
            results["tokenmill"] = [json.loads(l)["metadata"]["language"] for l in open(out)]
    DetectorFactory.seed = 0
    init_factory()
    t0 = time.perf_counter()
    guesses = []
    for t in texts:
        try:
            guesses.append(langdetect.detect(t))
        except langdetect.LangDetectException:
            guesses.append("")
    timing["langdetect"] = time.perf_counter() - t0
    results["langdetect"] = guesses
    py3langid.classify("warm up")
    t0 = time.perf_counter()
    results["py3langid"] = [py3langid.classify(t)[0] for t in texts]
    timing["py3langid"] = time.perf_counter() - t0
    import py3langid.langid as pylid
    supported = {
        "tokenmill": set(ours),
        "langdetect": {FOLD.get(l, l) for l in ldf._factory.get_lang_list()},
        "py3langid": {FOLD.get(l, l) for l in pylid._get_identifier().nb_classes},
    }
    tools = ["tokenmill", "langdetect", "py3langid"]

    report = {"versions": {"langdetect": version("langdetect"), "py3langid": version("py3langid")},
              "texts": len(texts), "megabytes": round(mb, 2), "overlap_dropped": dict(overlap), "sets": {}, "throughput": {}}
    lines = []
    every = collections.defaultdict(list)
    for name in ["man pages", "LibreOffice help", "fortunes"]:
        idx = [i for i, s in enumerate(samples) if s[0] == name]
        languages = sorted({samples[i][1] for i in idx})
        lines.append(f"\n### {name}\n\n| language | texts | TokenMill | langdetect | py3langid |\n|---|---:|---:|---:|---:|")
        table = {}
        for language in languages:
            mine = [i for i in idx if samples[i][1] == language]
            acc = {tool: sum(FOLD.get(results[tool][i], results[tool][i]) == language for i in mine) / len(mine) for tool in tools}
            table[language] = {"texts": len(mine), **acc}
            cells = [f"{acc[t]:.3f}" if language in supported[t] else f"({acc[t]:.3f}, not a label)" for t in tools]
            lines.append(f"| {language} | {len(mine)} | " + " | ".join(cells) + " |")
        common = [l for l in languages if all(l in supported[t] for t in tools)]
        macro = {t: sum(table[l][t] for l in common) / len(common) for t in tools}
        macro_all = {t: sum(table[l][t] for l in languages) / len(languages) for t in tools}
        for l in common:
            every["common"].append({t: table[l][t] for t in tools})
        lines.append(f"| **macro, {len(common)} languages all three know** | | **{macro['tokenmill']:.4f}** | **{macro['langdetect']:.4f}** | **{macro['py3langid']:.4f}** |")
        lines.append(f"| macro, all {len(languages)} languages | | {macro_all['tokenmill']:.4f} | {macro_all['langdetect']:.4f} | {macro_all['py3langid']:.4f} |")
        uncovered = [l for l in languages if l not in supported["tokenmill"]]
        if uncovered:
            lines.append(f"\nNot in TokenMill's model (counted as misses): {', '.join(uncovered)}.")
        report["sets"][name] = {"languages": table, "common_languages": common, "macro_common": macro, "macro_all": macro_all}
    overall = {t: sum(r[t] for r in every["common"]) / len(every["common"]) for t in tools}
    report["macro_common_all_sets"] = overall
    lines.append(f"\n**Macro over all {len(every['common'])} (set, language) pairs all three know:** TokenMill {overall['tokenmill']:.4f}, langdetect {overall['langdetect']:.4f}, py3langid {overall['py3langid']:.4f}")
    lines.append(f"\n### Throughput ({len(texts)} texts, {mb:.1f} MB, one run)\n\n| tool | seconds | texts/s | MB/s | × langdetect |\n|---|---:|---:|---:|---:|")
    for tool, seconds in timing.items():
        report["throughput"][tool] = {"seconds": seconds, "texts_per_s": len(texts) / seconds, "mb_per_s": mb / seconds}
        lines.append(f"| {tool} | {seconds:.2f} | {len(texts) / seconds:,.0f} | {mb / seconds:.2f} | {timing['langdetect'] / seconds:.1f} |")
    print(f"langdetect {report['versions']['langdetect']}, py3langid {report['versions']['py3langid']}")
    print("\n".join(lines))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
