//! Command-line options: flags with a value as the next argument or after `=`
//! (`--jobs 4`, `--jobs=4`), optional values, numbers, and errors that end with the usage.

use std::fmt::Display;
use std::path::PathBuf;
use std::str::FromStr;

/// A cursor over a command's arguments.
///
/// ```text
/// let mut args = Args::new(args, USAGE);
/// while let Some(flag) = args.next_arg()? {
///     match flag.as_str() {
///         "--out" => out = args.path()?,
///         "--check" => check = true,
///         _ => return Err(args.unknown()),
///     }
/// }
/// ```
pub struct Args<'a> {
    rest: std::iter::Peekable<std::slice::Iter<'a, String>>,
    usage: &'a str,
    /// The argument (or, for `--flag=value`, the flag) last returned by `next_arg`.
    current: String,
    /// The value given after `=`, until it is taken.
    inline: Option<String>,
}

impl<'a> Args<'a> {
    /// `usage` ends every error message (nothing when it is empty).
    pub fn new(args: &'a [String], usage: &'a str) -> Self {
        Args {
            rest: args.iter().peekable(),
            usage,
            current: String::new(),
            inline: None,
        }
    }

    /// The next flag or positional argument. A value given to a flag after `=` that the
    /// flag did not take is an error.
    pub fn next_arg(&mut self) -> Result<Option<String>, String> {
        if self.inline.take().is_some() {
            return Err(self.error(format!("{} takes no value", self.current)));
        }
        let Some(arg) = self.rest.next() else {
            return Ok(None);
        };
        match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                self.current = flag.to_string();
                self.inline = Some(value.to_string());
            }
            _ => self.current = arg.clone(),
        }
        Ok(Some(self.current.clone()))
    }

    /// The value of the current flag.
    pub fn value(&mut self) -> Result<String, String> {
        if let Some(value) = self.inline.take() {
            return Ok(value);
        }
        match self.rest.next() {
            Some(value) => Ok(value.clone()),
            None => Err(self.error(format!("{} needs a value", self.current))),
        }
    }

    pub fn path(&mut self) -> Result<PathBuf, String> {
        self.value().map(PathBuf::from)
    }

    pub fn number<T: FromStr>(&mut self) -> Result<T, String> {
        let text = self.value()?;
        self.parse(&text)
    }

    /// A whole number above zero.
    pub fn positive(&mut self) -> Result<u64, String> {
        let text = self.value()?;
        match text.parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(self.error(format!(
                "{} needs a positive integer, not `{text}`",
                self.current
            ))),
        }
    }

    /// A number the flag may go without: given after `=`, or the next argument when that
    /// parses as one.
    pub fn optional_number<T: FromStr>(&mut self) -> Result<Option<T>, String> {
        if let Some(text) = self.inline.take() {
            return self.parse(&text).map(Some);
        }
        match self.rest.next_if(|next| next.parse::<T>().is_ok()) {
            Some(text) => self.parse(text).map(Some),
            None => Ok(None),
        }
    }

    fn parse<T: FromStr>(&self, text: &str) -> Result<T, String> {
        text.parse()
            .map_err(|_| self.error(format!("{} wants a number, not `{text}`", self.current)))
    }

    /// The error for an argument the command does not know.
    pub fn unknown(&self) -> String {
        self.error(format!("unknown argument `{}`", self.current))
    }

    /// `error: MESSAGE`, then the usage.
    pub fn error(&self, message: impl Display) -> String {
        if self.usage.is_empty() {
            format!("error: {message}")
        } else {
            format!("error: {message}\n\n{}", self.usage)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// Every flag with its value, as `flag=value` or `flag`.
    fn walk(list: &[&str]) -> Result<Vec<String>, String> {
        let list = strings(list);
        let mut args = Args::new(&list, "USAGE");
        let mut seen = Vec::new();
        while let Some(flag) = args.next_arg()? {
            match flag.as_str() {
                "--out" => seen.push(format!("out={}", args.path()?.display())),
                "--jobs" => seen.push(format!("jobs={}", args.number::<usize>()?)),
                "--runs" => seen.push(format!("runs={}", args.positive()?)),
                "--sample" => seen.push(format!("sample={:?}", args.optional_number::<usize>()?)),
                "--check" => seen.push("check".into()),
                other if !other.starts_with("--") => seen.push(format!("positional={other}")),
                _ => return Err(args.unknown()),
            }
        }
        Ok(seen)
    }

    #[test]
    fn values_follow_or_come_after_an_equals_sign() {
        assert_eq!(
            walk(&["spec.yaml", "--out", "dir", "--jobs=4", "--check"]),
            Ok(strings(&[
                "positional=spec.yaml",
                "out=dir",
                "jobs=4",
                "check"
            ]))
        );
    }

    #[test]
    fn optional_values_are_taken_only_when_they_parse() {
        assert_eq!(
            walk(&[
                "--sample",
                "7",
                "--sample",
                "--check",
                "--sample=3",
                "--sample"
            ]),
            Ok(strings(&[
                "sample=Some(7)",
                "sample=None",
                "check",
                "sample=Some(3)",
                "sample=None"
            ]))
        );
    }

    #[test]
    fn errors_name_the_flag_and_end_with_the_usage() {
        assert_eq!(
            walk(&["--out"]),
            Err("error: --out needs a value\n\nUSAGE".into())
        );
        assert_eq!(
            walk(&["--jobs", "many"]),
            Err("error: --jobs wants a number, not `many`\n\nUSAGE".into())
        );
        assert_eq!(
            walk(&["--runs", "0"]),
            Err("error: --runs needs a positive integer, not `0`\n\nUSAGE".into())
        );
        assert_eq!(
            walk(&["--what"]),
            Err("error: unknown argument `--what`\n\nUSAGE".into())
        );
        assert_eq!(
            walk(&["--check=yes"]),
            Err("error: --check takes no value\n\nUSAGE".into())
        );
        let none: Vec<String> = Vec::new();
        assert_eq!(Args::new(&none, "").error("plain"), "error: plain");
    }
}
