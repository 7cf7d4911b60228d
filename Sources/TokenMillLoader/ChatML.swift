/// ChatML formatting of instruction records (`{"instruction", "input", "output"}`):
///
///     <|im_start|>user\n{instruction}\n{input}<|im_end|>\n<|im_start|>assistant\n{output}<|im_end|>
///
/// and, when `input` is empty or absent, `<|im_start|>user\n{instruction}<|im_end|>\n…`. The
/// markers are encoded as special tokens when the tokenizer has them (allow them in its options).
public enum ChatML {
    public static let start = "<|im_start|>"
    public static let end = "<|im_end|>"

    public static func format(instruction: String, input: String?, output: String) -> String {
        let user = (input ?? "").isEmpty ? instruction : instruction + "\n" + input!
        return "\(start)user\n\(user)\(end)\n\(start)assistant\n\(output)\(end)"
    }
}
