//! Request bodies as they are sent: bytes in memory, or the segments of a multipart
//! body whose files are read from disk or from their streams while the request is
//! sent, a chunk at a time, so that memory does not grow with a file's size.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncRead, ReadBuf};

use super::error::Error;
use super::file::{Chunks, File, Source};

/// Bytes read from a file at a time.
const CHUNK: usize = 64 << 10;

/// A piece of a multipart body.
#[derive(Clone)]
pub(crate) enum Segment {
    Bytes(Bytes),
    File(File),
}

/// A request body, sendable again for a retry or a redirect unless it streams a file
/// given as a stream.
#[derive(Clone)]
pub(crate) enum PreparedBody {
    Bytes(Bytes),
    Parts(Arc<[Segment]>),
}

impl PreparedBody {
    /// Whether the body can be sent more than once.
    pub(crate) fn replayable(&self) -> bool {
        match self {
            PreparedBody::Bytes(_) => true,
            PreparedBody::Parts(segments) => !segments
                .iter()
                .any(|s| matches!(s, Segment::File(f) if matches!(f.source(), Source::Stream(..)))),
        }
    }

    /// The body for one attempt. Files from paths are opened (and their lengths read)
    /// now; a file from a stream is taken, and an attempt after the first finds it gone.
    pub(crate) async fn to_reqwest(&self) -> Result<reqwest::Body, Error> {
        let segments = match self {
            PreparedBody::Bytes(bytes) => return Ok(reqwest::Body::from(bytes.clone())),
            PreparedBody::Parts(segments) => segments,
        };
        let mut pieces = VecDeque::new();
        let mut total = Some(0u64);
        for segment in segments.iter() {
            let (piece, len) = match segment {
                Segment::Bytes(bytes) => (Piece::Bytes(bytes.clone()), Some(bytes.len() as u64)),
                Segment::File(file) => match file.source() {
                    Source::Bytes(bytes) => (Piece::Bytes(bytes.clone()), Some(bytes.len() as u64)),
                    Source::Path(path) => {
                        let opened = tokio::fs::File::open(path.as_path())
                            .await
                            .map_err(|e| file_error(file, &e))?;
                        let len = opened
                            .metadata()
                            .await
                            .map_err(|e| file_error(file, &e))?
                            .len();
                        (Piece::Disk(opened, len), Some(len))
                    }
                    Source::Stream(chunks, len) => {
                        let taken = chunks.lock().ok().and_then(|mut c| c.take());
                        let Some(chunks) = taken else {
                            return Err(Error::invalid(
                                "body",
                                "a file given as a stream was already sent and cannot be \
                                 sent again; give a path or bytes to send it more than once",
                            ));
                        };
                        (Piece::Stream(chunks, *len), *len)
                    }
                },
            };
            total = total.zip(len).map(|(t, l)| t + l);
            pieces.push_back(piece);
        }
        let body = Upload {
            state: Mutex::new(State {
                pieces,
                left_in_piece: None,
                buffer: Vec::new(),
            }),
            total,
        };
        Ok(reqwest::Body::wrap(body))
    }

    /// The whole body in memory, for the mock's record of what was sent: files from
    /// paths are read, files from streams are shown by a placeholder.
    #[cfg(feature = "mock")]
    pub(crate) fn in_memory(&self) -> Vec<u8> {
        match self {
            PreparedBody::Bytes(bytes) => bytes.to_vec(),
            PreparedBody::Parts(segments) => {
                let mut out = Vec::new();
                for segment in segments.iter() {
                    match segment {
                        Segment::Bytes(bytes) => out.extend_from_slice(bytes),
                        Segment::File(file) => match file.source() {
                            Source::Bytes(bytes) => out.extend_from_slice(bytes),
                            Source::Path(path) => {
                                out.extend(std::fs::read(path.as_path()).unwrap_or_default())
                            }
                            Source::Stream(..) => out.extend_from_slice(b"<stream>"),
                        },
                    }
                }
                out
            }
        }
    }
}

fn file_error(file: &File, e: &io::Error) -> Error {
    let name = file.file_name().unwrap_or("a file");
    Error::invalid("body", format!("cannot read the file {name}: {e}"))
}

enum Piece {
    Bytes(Bytes),
    /// An open file and the length it had when opened.
    Disk(tokio::fs::File, u64),
    Stream(Chunks, Option<u64>),
}

struct State {
    pieces: VecDeque<Piece>,
    /// Bytes the current file or stream still owes, when its length is known.
    left_in_piece: Option<u64>,
    buffer: Vec<u8>,
}

/// The streaming body. Its state sits behind a mutex only to make it `Sync`, as
/// reqwest asks; `poll_frame` has it exclusively.
struct Upload {
    state: Mutex<State>,
    total: Option<u64>,
}

fn changed(what: &str) -> io::Error {
    io::Error::other(format!(
        "{what} changed length while it was being sent; the request was not completed"
    ))
}

impl http_body::Body for Upload {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let state = match self.get_mut().state.get_mut() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        };
        loop {
            let Some(piece) = state.pieces.front_mut() else {
                return Poll::Ready(None);
            };
            match piece {
                Piece::Bytes(bytes) => {
                    let bytes = std::mem::take(bytes);
                    state.pieces.pop_front();
                    if !bytes.is_empty() {
                        return Poll::Ready(Some(Ok(Frame::data(bytes))));
                    }
                }
                Piece::Disk(file, len) => {
                    let left = *state.left_in_piece.get_or_insert(*len);
                    if state.buffer.len() != CHUNK {
                        state.buffer.resize(CHUNK, 0);
                    }
                    let mut buf = ReadBuf::new(&mut state.buffer);
                    if let Err(e) = ready!(Pin::new(file).poll_read(cx, &mut buf)) {
                        return Poll::Ready(Some(Err(e)));
                    }
                    let read = buf.filled().len() as u64;
                    if read == 0 {
                        if left != 0 {
                            return Poll::Ready(Some(Err(changed("a file"))));
                        }
                        state.left_in_piece = None;
                        state.pieces.pop_front();
                        continue;
                    }
                    if read > left {
                        return Poll::Ready(Some(Err(changed("a file"))));
                    }
                    state.left_in_piece = Some(left - read);
                    let chunk = Bytes::copy_from_slice(buf.filled());
                    return Poll::Ready(Some(Ok(Frame::data(chunk))));
                }
                Piece::Stream(chunks, len) => {
                    if state.left_in_piece.is_none() {
                        state.left_in_piece = *len;
                    }
                    match ready!(chunks.as_mut().poll_next(cx)) {
                        Some(Ok(chunk)) => {
                            if let Some(left) = &mut state.left_in_piece {
                                if chunk.len() as u64 > *left {
                                    return Poll::Ready(Some(Err(changed("a streamed file"))));
                                }
                                *left -= chunk.len() as u64;
                            }
                            if !chunk.is_empty() {
                                return Poll::Ready(Some(Ok(Frame::data(chunk))));
                            }
                        }
                        Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                        None => {
                            if state.left_in_piece.is_some_and(|left| left != 0) {
                                return Poll::Ready(Some(Err(changed("a streamed file"))));
                            }
                            state.left_in_piece = None;
                            state.pieces.pop_front();
                        }
                    }
                }
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self.total {
            Some(total) => SizeHint::with_exact(total),
            None => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body::Body as _;

    async fn collect(body: &PreparedBody) -> Result<Vec<u8>, String> {
        let mut body = body.to_reqwest().await.map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await
        {
            let frame = frame.map_err(|e| format!("{e} {:?}", std::error::Error::source(&e)))?;
            if let Ok(data) = frame.into_data() {
                out.extend_from_slice(&data);
            }
        }
        Ok(out)
    }

    #[tokio::test]
    async fn parts_stream_files_from_disk_and_streams_in_order() {
        let dir = std::env::temp_dir().join(format!("apigen-upload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big.bin");
        let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &content).unwrap();
        let stream = futures_util::stream::iter(vec![
            Ok::<_, io::Error>(Bytes::from_static(b"ab")),
            Ok(Bytes::from_static(b"cd")),
        ]);
        let body = PreparedBody::Parts(Arc::from(vec![
            Segment::Bytes(Bytes::from_static(b"<")),
            Segment::File(File::from_path(&path)),
            Segment::Bytes(Bytes::from_static(b"|")),
            Segment::File(File::from_stream(stream).with_length(4)),
            Segment::Bytes(Bytes::from_static(b">")),
        ]));
        assert!(!body.replayable());
        let sent = collect(&body).await.unwrap();
        let mut wanted = b"<".to_vec();
        wanted.extend_from_slice(&content);
        wanted.extend_from_slice(b"|abcd>");
        assert_eq!(sent, wanted);
        // The stream is gone: a second attempt is refused rather than sending less.
        let again = collect(&body).await.unwrap_err();
        assert!(again.contains("already sent"), "{again}");

        // A stream that yields fewer bytes than it declared fails the body.
        let short = futures_util::stream::iter(vec![Ok::<_, io::Error>(Bytes::from_static(b"a"))]);
        let body = PreparedBody::Parts(Arc::from(vec![Segment::File(
            File::from_stream(short).with_length(3),
        )]));
        assert!(collect(&body).await.unwrap_err().contains("changed length"));

        // A missing file names itself.
        let body = PreparedBody::Parts(Arc::from(vec![Segment::File(File::from_path(
            dir.join("missing.txt"),
        ))]));
        assert!(collect(&body).await.unwrap_err().contains("missing.txt"));
        let body = PreparedBody::Parts(Arc::from(vec![Segment::File(File::from_path(&path))]));
        assert!(body.replayable());
        assert_eq!(collect(&body).await.unwrap().len(), content.len());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
