//! HTTP/1.1 messages as the proxy reads them: a head (start line and header fields, with
//! the bytes they came in) and a body framed by `Content-Length`, chunked, or ending with
//! the connection, kept both as sent and as content.

use std::io::{self, BufRead};

/// How much of each body's content is kept.
pub const BODY_KEPT: usize = 64 * 1024;
/// The largest head (or chunk line) accepted.
const HEAD_LIMIT: usize = 1 << 20;

/// A message head: the start line and the header fields, and the bytes they came in.
#[derive(Debug)]
pub struct Head {
    pub line: String,
    pub headers: Vec<(String, String)>,
    pub raw: Vec<u8>,
}

impl Head {
    /// The first value of a header, by case-insensitive name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether a comma-separated header (over all its fields) lists `token`.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }
}

fn bad_data(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// Read a message head; `None` at a clean end of the stream before it.
pub fn read_head(reader: &mut impl BufRead) -> io::Result<Option<Head>> {
    let mut raw = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    loop {
        let before = raw.len();
        let n = reader.read_until(b'\n', &mut raw)?;
        if n == 0 {
            if raw.iter().all(|b| b.is_ascii_whitespace()) {
                return Ok(None);
            }
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the stream ended inside a message head",
            ));
        }
        if raw.len() > HEAD_LIMIT {
            return Err(bad_data("message head too large"));
        }
        let line = String::from_utf8_lossy(&raw[before..])
            .trim_end_matches(['\r', '\n'])
            .to_string();
        if line.is_empty() {
            if lines.is_empty() {
                // Empty lines before a request line are allowed and ignored.
                raw.clear();
                continue;
            }
            break;
        }
        lines.push(line);
    }
    let mut lines = lines.into_iter();
    let line = lines.next().unwrap_or_default();
    let mut headers: Vec<(String, String)> = Vec::new();
    for field in lines {
        if field.starts_with([' ', '\t']) {
            // An obsolete folded continuation line belongs to the field before it.
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(field.trim());
            }
            continue;
        }
        let Some((name, value)) = field.split_once(':') else {
            return Err(bad_data(format!("malformed header field `{field}`")));
        };
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    Ok(Some(Head { line, headers, raw }))
}

/// How a message body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Empty,
    Length(u64),
    Chunked,
    /// The body runs until the sender closes the connection (responses only).
    UntilClose,
}

fn framing_of(head: &Head, otherwise: Framing) -> io::Result<Framing> {
    if let Some(codings) = head.get("transfer-encoding") {
        let last = codings.rsplit(',').next().unwrap_or("").trim();
        if last.eq_ignore_ascii_case("chunked") {
            return Ok(Framing::Chunked);
        }
        return Ok(otherwise);
    }
    match head.get("content-length") {
        Some(length) => length
            .trim()
            .parse()
            .map(Framing::Length)
            .map_err(|_| bad_data(format!("bad Content-Length `{length}`"))),
        None => Ok(otherwise),
    }
}

/// The framing of a request body.
pub fn request_framing(head: &Head) -> io::Result<Framing> {
    framing_of(head, Framing::Empty)
}

/// The framing of the body of a response with `status` to a request with `method`.
pub fn response_framing(head: &Head, method: &str, status: u16) -> io::Result<Framing> {
    if method.eq_ignore_ascii_case("HEAD") || status < 200 || status == 204 || status == 304 {
        return Ok(Framing::Empty);
    }
    framing_of(head, Framing::UntilClose)
}

fn keep(kept: &mut Vec<u8>, data: &[u8]) {
    let room = BODY_KEPT.saturating_sub(kept.len());
    kept.extend_from_slice(&data[..data.len().min(room)]);
}

fn copy_exact(
    reader: &mut impl BufRead,
    n: u64,
    raw: &mut Vec<u8>,
    kept: &mut Vec<u8>,
) -> io::Result<()> {
    let mut left = n;
    while left > 0 {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the stream ended {left} bytes before the end of the body"),
            ));
        }
        let take = buffer
            .len()
            .min(usize::try_from(left).unwrap_or(usize::MAX));
        raw.extend_from_slice(&buffer[..take]);
        keep(kept, &buffer[..take]);
        reader.consume(take);
        left -= take as u64;
    }
    Ok(())
}

fn read_line(reader: &mut impl BufRead, raw: &mut Vec<u8>) -> io::Result<String> {
    let before = raw.len();
    if reader.read_until(b'\n', raw)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the stream ended inside a chunked body",
        ));
    }
    if raw.len() - before > HEAD_LIMIT {
        return Err(bad_data("chunk line too long"));
    }
    Ok(String::from_utf8_lossy(&raw[before..])
        .trim_end_matches(['\r', '\n'])
        .to_string())
}

/// Read a body: its bytes as sent into `raw`, its content (de-chunked, at most
/// [`BODY_KEPT`] bytes) into `kept`.
pub fn read_body(
    reader: &mut impl BufRead,
    framing: Framing,
    raw: &mut Vec<u8>,
    kept: &mut Vec<u8>,
) -> io::Result<()> {
    match framing {
        Framing::Empty => Ok(()),
        Framing::Length(n) => copy_exact(reader, n, raw, kept),
        Framing::UntilClose => {
            let mut buffer = [0u8; 16 * 1024];
            loop {
                match reader.read(&mut buffer) {
                    Ok(0) => return Ok(()),
                    Ok(n) => {
                        raw.extend_from_slice(&buffer[..n]);
                        keep(kept, &buffer[..n]);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Framing::Chunked => loop {
            let line = read_line(reader, raw)?;
            let size = line.split(';').next().unwrap_or("").trim();
            let size = u64::from_str_radix(size, 16)
                .map_err(|_| bad_data(format!("bad chunk size line `{line}`")))?;
            if size == 0 {
                // Trailer fields, then the empty line that ends the body.
                while !read_line(reader, raw)?.is_empty() {}
                return Ok(());
            }
            copy_exact(reader, size, raw, kept)?;
            if !read_line(reader, raw)?.is_empty() {
                return Err(bad_data("a chunk is longer than its size line says"));
            }
        },
    }
}

/// The status of a response head.
pub fn status_of(head: &Head) -> io::Result<u16> {
    let mut parts = head.line.split_whitespace();
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/") {
        return Err(bad_data(format!("not an HTTP response: `{}`", head.line)));
    }
    parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad_data(format!("no status in `{}`", head.line)))
}
