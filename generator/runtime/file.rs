//! Files sent as parts of multipart bodies: from bytes in memory, a path on disk or
//! any stream of bytes.
//!
//! A file from a path is opened and read as the request is sent, in chunks, so a
//! large upload does not grow the client's memory; it is opened again for a retry. A
//! file from a stream is read once: a request carrying one is not retried (there is
//! nothing left to send again). The part's filename defaults to the path's file name
//! (or the property's name), its content type to the one the spec declares for the
//! property (`encoding.contentType`), else one guessed from the filename's
//! extension, else `application/octet-stream`.

use std::cell::RefCell;
use std::fmt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_core::Stream;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The chunks of a streamed file.
pub(crate) type Chunks = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// A file to send as a part of a multipart body (see the module docs).
///
/// ```text
/// let inline = File::from_bytes(b"id,name\n1,a\n".to_vec()).filename("rows.csv");
/// assert_eq!(inline.file_name(), Some("rows.csv"));
/// assert_eq!(inline.len(), Some(12));
/// let on_disk = File::from_path("/var/data/report.pdf");
/// assert_eq!(on_disk.file_name(), Some("report.pdf"));
/// ```
#[derive(Clone)]
pub struct File {
    source: Source,
    filename: Option<String>,
    content_type: Option<String>,
}

#[derive(Clone)]
pub(crate) enum Source {
    Bytes(Bytes),
    Path(Arc<PathBuf>),
    /// Taken by the first request that sends it; its length when the caller gave it.
    Stream(Arc<Mutex<Option<Chunks>>>, Option<u64>),
}

impl File {
    /// A file of these bytes.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> File {
        File {
            source: Source::Bytes(bytes.into()),
            filename: None,
            content_type: None,
        }
    }

    /// The file at `path`, read as the request is sent; its filename is the path's
    /// file name.
    pub fn from_path(path: impl AsRef<Path>) -> File {
        let path = path.as_ref().to_path_buf();
        let filename = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned());
        File {
            source: Source::Path(Arc::new(path)),
            filename,
            content_type: None,
        }
    }

    /// A file whose bytes a stream yields, read once as the request is sent (a
    /// request sending it is not retried). Its length is unknown, so the body is
    /// sent chunked; [`File::with_length`] sets it when known.
    pub fn from_stream<S, B, E>(stream: S) -> File
    where
        S: Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        use futures_util::StreamExt;
        let chunks: Chunks = Box::pin(stream.map(|chunk| {
            chunk
                .map(Into::into)
                .map_err(|e| std::io::Error::other(e.into()))
        }));
        File {
            source: Source::Stream(Arc::new(Mutex::new(Some(chunks))), None),
            filename: None,
            content_type: None,
        }
    }

    /// The length of a streamed file, when known: the request then declares its
    /// `Content-Length`, and fails if the stream yields another number of bytes.
    pub fn with_length(mut self, length: u64) -> File {
        if let Source::Stream(_, len) = &mut self.source {
            *len = Some(length);
        }
        self
    }

    /// Sets the part's filename.
    pub fn filename(mut self, name: impl Into<String>) -> File {
        self.filename = Some(name.into());
        self
    }

    /// Sets the part's content type.
    pub fn content_type(mut self, content_type: impl Into<String>) -> File {
        self.content_type = Some(content_type.into());
        self
    }

    /// The part's filename, when set or taken from the path.
    pub fn file_name(&self) -> Option<&str> {
        self.filename.as_deref()
    }

    /// The part's content type, when set.
    pub fn mime_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The bytes of a file made from bytes (or decoded from a response).
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.source {
            Source::Bytes(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// The file's length when it is known without reading it: in memory, or a
    /// stream whose length was given. A path's length is read when it is sent.
    pub fn len(&self) -> Option<u64> {
        match &self.source {
            Source::Bytes(bytes) => Some(bytes.len() as u64),
            Source::Path(_) => None,
            Source::Stream(_, len) => *len,
        }
    }

    /// Whether the file is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    pub(crate) fn source(&self) -> &Source {
        &self.source
    }

    /// The content type its part is sent with: the one set; else, of the types the
    /// spec declares for the property (`encoding.contentType`, a list), the first that is
    /// the filename's type or a variant of it (`application/javascript+module` for
    /// `worker.js`), else the first declared; else a guess from the filename; else
    /// `application/octet-stream`.
    pub(crate) fn part_content_type(&self, declared: Option<&str>) -> String {
        if let Some(ct) = &self.content_type {
            return ct.clone();
        }
        let declared: Vec<&str> = declared
            .into_iter()
            .flat_map(|d| d.split(','))
            .map(str::trim)
            .filter(|d| !d.is_empty() && !d.contains('*'))
            .collect();
        let guess = self.filename.as_deref().and_then(guess_content_type);
        if let Some(guess) = guess
            && let Some(found) = declared.iter().find(|d| {
                d.eq_ignore_ascii_case(guess)
                    || d.to_ascii_lowercase().starts_with(&format!("{guess}+"))
            })
        {
            return (*found).to_owned();
        }
        declared
            .first()
            .copied()
            .or(guess)
            .unwrap_or("application/octet-stream")
            .to_owned()
    }
}

/// The content type of common file extensions.
fn guess_content_type(filename: &str) -> Option<&'static str> {
    let extension = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match extension.as_str() {
        "txt" => "text/plain",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "js" | "mjs" => "application/javascript",
        "wasm" => "application/wasm",
        "map" => "application/source-map",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        _ => return None,
    })
}

impl Default for File {
    /// An empty file.
    fn default() -> File {
        File::from_bytes(Bytes::new())
    }
}

impl From<Vec<u8>> for File {
    fn from(bytes: Vec<u8>) -> File {
        File::from_bytes(bytes)
    }
}

impl From<&'static [u8]> for File {
    fn from(bytes: &'static [u8]) -> File {
        File::from_bytes(bytes)
    }
}

impl From<String> for File {
    fn from(text: String) -> File {
        File::from_bytes(text)
    }
}

impl From<&'static str> for File {
    fn from(text: &'static str) -> File {
        File::from_bytes(text)
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("File");
        match &self.source {
            Source::Bytes(bytes) => out.field("bytes", &bytes.len()),
            Source::Path(path) => out.field("path", path),
            Source::Stream(_, len) => out.field("stream", len),
        };
        out.field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .finish()
    }
}

impl PartialEq for File {
    /// Files are equal when they have the same name, type and source: the same bytes,
    /// the same path, or the same stream.
    fn eq(&self, other: &File) -> bool {
        let same = match (&self.source, &other.source) {
            (Source::Bytes(a), Source::Bytes(b)) => a == b,
            (Source::Path(a), Source::Path(b)) => a == b,
            (Source::Stream(a, _), Source::Stream(b, _)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        same && self.filename == other.filename && self.content_type == other.content_type
    }
}

thread_local! {
    /// The files of the value being serialised into a request body, by marker id.
    static COLLECTED: RefCell<Option<Vec<(u64, File)>>> = const { RefCell::new(None) };
}

/// What a file serialises to inside a request body: a string the multipart encoder
/// replaces with the file's part.
const MARKER: &str = "\u{0}apigen-file:";

/// `serialize()`'s result and the files it met, each standing in the value as the
/// marker [`marker_id`] reads.
pub(crate) fn collecting<T>(serialize: impl FnOnce() -> T) -> (T, Vec<(u64, File)>) {
    let outer = COLLECTED.with(|c| c.borrow_mut().replace(Vec::new()));
    let result = serialize();
    let files = COLLECTED.with(|c| std::mem::replace(&mut *c.borrow_mut(), outer));
    (result, files.unwrap_or_default())
}

/// The id of the file a serialised value stands for.
pub(crate) fn marker_id(text: &str) -> Option<u64> {
    text.strip_prefix(MARKER)?.parse().ok()
}

impl Serialize for File {
    /// In a request body, a stand-in for the file's part. Elsewhere (a model written
    /// as JSON), a file of UTF-8 bytes is its text; other files cannot be written.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let marker = COLLECTED.with(|c| {
            c.borrow_mut().as_mut().map(|files| {
                let id = NEXT.fetch_add(1, Ordering::Relaxed);
                files.push((id, self.clone()));
                format!("{MARKER}{id}")
            })
        });
        if let Some(marker) = marker {
            return serializer.serialize_str(&marker);
        }
        match &self.source {
            Source::Bytes(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => serializer.serialize_str(text),
                Err(_) => Err(serde::ser::Error::custom(
                    "a file of binary bytes can only be sent as a multipart part",
                )),
            },
            _ => Err(serde::ser::Error::custom(
                "a file from a path or a stream can only be sent as a multipart part",
            )),
        }
    }
}

impl<'de> Deserialize<'de> for File {
    /// A file from a response: a string's bytes, or an array of byte values.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<File, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Text(String),
            Bytes(Vec<u8>),
        }
        Ok(match Wire::deserialize(deserializer)? {
            Wire::Text(text) => File::from_bytes(text),
            Wire::Bytes(bytes) => File::from_bytes(bytes),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_stand_in_request_bodies_by_marker_and_as_text_elsewhere() {
        let file = File::from_path("/tmp/x.png");
        let (value, files) = collecting(|| serde_json::to_value(vec![file.clone()]).unwrap());
        let marker = value[0].as_str().unwrap();
        let id = marker_id(marker).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, id);
        assert_eq!(files[0].1, file);
        // Outside a request body: text, or an error for what cannot be text.
        assert_eq!(
            serde_json::to_value(File::from("hi")).unwrap(),
            serde_json::json!("hi")
        );
        assert!(serde_json::to_value(&file).is_err());
        assert!(serde_json::to_value(File::from(vec![0xff, 0xfe])).is_err());
        // Nested collection keeps the outer one.
        let ((), outer) = collecting(|| {
            let _ = serde_json::to_value(File::from("a"));
            let (_, inner) = collecting(|| serde_json::to_value(File::from("b")));
            assert_eq!(inner.len(), 1);
        });
        assert_eq!(outer.len(), 1);
    }

    #[test]
    fn content_types_come_from_the_caller_the_spec_or_the_name() {
        let f = File::from_path("dir/photo.JPG");
        assert_eq!(f.file_name(), Some("photo.JPG"));
        assert_eq!(f.part_content_type(None), "image/jpeg");
        assert_eq!(
            f.part_content_type(Some("image/png, image/jpeg")),
            "image/jpeg"
        );
        assert_eq!(f.part_content_type(Some("image/png")), "image/png");
        let worker = "application/javascript+module, application/javascript, application/wasm";
        assert_eq!(
            File::from("x")
                .filename("w.js")
                .part_content_type(Some(worker)),
            "application/javascript+module"
        );
        assert_eq!(
            File::from("x")
                .filename("m.wasm")
                .part_content_type(Some(worker)),
            "application/wasm"
        );
        assert_eq!(
            f.clone().content_type("image/webp").part_content_type(None),
            "image/webp"
        );
        assert_eq!(
            File::from("x").part_content_type(Some("image/*")),
            "application/octet-stream"
        );
        let d: File = serde_json::from_value(serde_json::json!([104, 105])).unwrap();
        assert_eq!(d.bytes(), Some(&b"hi"[..]));
    }
}
