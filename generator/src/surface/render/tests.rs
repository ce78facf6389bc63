//! Wrapping and shortening the lines of the review report.

use super::wrap::shorten;
use super::*;

#[test]
fn long_lines_wrap_and_long_words_shorten() {
    let mut out = Lines::default();
    let words = vec!["word"; 40].join(" ");
    out.line(true, 6, &words);
    let long = format!("~ x: /{}", "segment/".repeat(20));
    out.line(false, 2, &long);
    for line in out.text.lines() {
        assert!(line.chars().count() <= WIDTH, "{line}");
    }
    let lines: Vec<&str> = out.text.lines().collect();
    assert!(lines[0].starts_with("!       word"), "{}", out.text);
    assert!(lines[1].starts_with("            word"), "{}", out.text);
    let last = lines.last().expect("lines");
    assert!(last.contains("...") && last.ends_with("segment/"), "{last}");
}

#[test]
fn without_abbreviation_a_long_word_is_split_not_lost() {
    let mut out = Lines {
        abbreviate: false,
        ..Lines::default()
    };
    let word = "x".repeat(250);
    out.line(false, 0, &format!("a {word}"));
    let joined: String = out.text.split_whitespace().collect();
    assert_eq!(joined, format!("a{word}"));
    assert!(out.text.lines().all(|l| l.chars().count() <= WIDTH));
}

#[test]
fn shorten_keeps_both_ends() {
    assert_eq!(shorten("abcdefghij", 7), "ab...ij");
    assert_eq!(shorten("abc", 7), "abc");
}
