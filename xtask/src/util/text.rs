//! Text for messages and reports.

/// At most `max` characters: the start, then `…` when something was cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    text.chars().take(max).collect::<String>() + "…"
}

/// At most `max` characters: the start and the end with `…` between.
pub fn elide_middle(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let half = max / 2;
    let head: String = text.chars().take(half).collect();
    let tail: String = text.chars().skip(count - half).collect();
    format!("{head}…{tail}")
}

/// Markdown inline code on one line that survives backticks inside the text.
pub fn inline_code(text: &str) -> String {
    let text = text.replace('\n', " ");
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// The first line with every backtick-quoted name replaced by `X`, at most 300
/// characters, so that messages about different names group as one kind.
pub fn message_kind(message: &str) -> String {
    let first_line = message.lines().next().unwrap_or("");
    let mut out = String::with_capacity(first_line.len());
    let mut rest = first_line;
    while let Some(open) = rest.find('`') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('`') else { break };
        out.push_str(&rest[..open]);
        out.push_str("`X`");
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    truncate(&out, 300)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_at_the_end() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("abcdefghij", 4), "abcd…");
        assert_eq!(truncate("ééééé", 2), "éé…");
    }

    #[test]
    fn elides_the_middle() {
        assert_eq!(elide_middle("short", 10), "short");
        assert_eq!(elide_middle("abcdefghij", 4), "ab…ij");
        assert_eq!(elide_middle("ééééé", 2), "é…é");
    }

    #[test]
    fn quotes_inline_code() {
        assert_eq!(inline_code("a\nb"), "`a b`");
        assert_eq!(inline_code("a `b`"), "`` a `b` ``");
    }

    #[test]
    fn message_kinds_replace_quoted_names() {
        assert_eq!(
            message_kind("schema `Foo` refers to `Bar`, which is missing"),
            "schema `X` refers to `X`, which is missing"
        );
        assert_eq!(message_kind("unbalanced `quote"), "unbalanced `quote");
        assert_eq!(message_kind("first\nsecond"), "first");
        assert_eq!(message_kind(&"x".repeat(400)).chars().count(), 301);
    }
}
