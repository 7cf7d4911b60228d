/// The dataset card (`README.md`) of a render-qa output: the YAML header Hugging Face `datasets`
/// reads (the `configs` and the explicit features, identical for every shard) and a short text.
enum QADatasetCard {
    static func markdown(resolution: Resolution) -> String {
        let strings = ["text", "instruction", "answer", "short_answer", "long_answer"]
        let ints = ["answer_start_token", "answer_end_token"]
        // The features sit in the config (not only in `dataset_info`): the imagefolder builder
        // otherwise infers them from the first metadata.jsonl, where a column that happens to be
        // all null gets the null type and the next shard fails to load.
        var yaml = """
        ---
        configs:
        - config_name: default
          data_files:
          - split: train
            path: data/**
          features:
          - name: image
            dtype: image

        """
        for s in strings { yaml += "  - name: \(s)\n    dtype: string\n" }
        for i in ints { yaml += "  - name: \(i)\n    dtype: int64\n" }
        yaml += "  - name: quality\n    dtype: string\n  - name: image_height\n    dtype: int64\n"
        yaml += "  - name: token_count\n    dtype: int64\n  - name: extracted_token_count\n    dtype: int64\n"
        yaml += "  - name: metadata\n    struct:\n"
        let meta: [(String, String)] = [("source", "string"), ("original_id", "string"), ("original_index", "int64"), ("split", "string"),
                                        ("answer_type", "string"), ("has_short", "bool"), ("has_long", "bool"), ("extraction_method", "string"),
                                        ("context_window", "int64"), ("generation_resolution", "string"), ("quality_description", "string"),
                                        ("truncated", "bool")]
        for (n, t) in meta { yaml += "    - name: \(n)\n      dtype: \(t)\n" }
        yaml += "---\n\n"
        return yaml + """
        # Question answering over rendered documents

        Made by `tokenmill render-qa` at resolution `\(resolution.rawValue)` (\(resolution.width) px wide pages).
        Each sample is a question (`instruction`), its answers, the document as text and as an image
        (`image`), a readability label from the page height (`quality`), and its provenance
        (`metadata.source`, `metadata.original_id`). Load it with
        `datasets.load_dataset("path/to/this/folder", split="train")`.

        """
    }
}
