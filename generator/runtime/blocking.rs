//! The blocking client (feature `blocking`): the same operations for programs without an
//! async runtime, such as command-line tools and scripts.
//!
//! Every request builder gets `send_blocking()` and `send_with_response_blocking()`, and
//! every paginated list `iter_blocking()`, an [`Iterator`] over every item of every page.
//! They run the same request as `send()` (validation, encoding, retries, timeouts,
//! decoding) on a runtime the client owns: a Tokio runtime with one worker thread,
//! started on the first blocking call and stopped when the last clone of the client is
//! dropped. The caller needs no runtime of its own.
//!
//! ```text
//! let client = Client::from_env()?;
//! let certs = client.client_certificates();
//! for cert in certs.list(zone).per_page(50).iter_blocking() {
//!     println!("{:?}", cert?.id);
//! }
//! let cert = certs.get(zone, id).send_blocking()?;
//! ```
//!
//! Blocking calls go through a connection pool of their own, so connections opened by
//! async calls of the same client (bound to the caller's runtime) are never waited on.
//! A blocking call made inside an async runtime works too: the request runs on the
//! client's runtime and only the calling thread waits (which stalls that thread's other
//! tasks meanwhile; prefer `.await` there).

use std::fmt;
use std::future::Future;
use std::sync::{Arc, OnceLock};

use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::client::Client;
use super::error::Error;
use super::pagination::PageStream;
use super::request::Call;
use super::response::{ApiResponse, ResponseFuture};

/// Builds an HTTP client with the settings of the client that owns the slot.
type MakeHttp = Arc<dyn Fn() -> Result<reqwest::Client, Error> + Send + Sync>;

/// The blocking transport of a client: how to build its HTTP client, and the runtime
/// and twin client once the first blocking call built them.
pub(crate) struct BlockingSlot {
    make_http: MakeHttp,
    built: OnceLock<Blocking>,
}

impl BlockingSlot {
    pub(crate) fn new(make_http: MakeHttp) -> BlockingSlot {
        BlockingSlot {
            make_http,
            built: OnceLock::new(),
        }
    }
}

/// A copy of the client's settings builds a runtime of its own when it needs one: the
/// runtime belongs to the client that started it.
impl Clone for BlockingSlot {
    fn clone(&self) -> Self {
        BlockingSlot::new(self.make_http.clone())
    }
}

/// The runtime blocking calls run on, and the client they are sent with: the owner's
/// settings with an HTTP client (and so a connection pool) bound to this runtime.
struct Blocking {
    runtime: OwnedRuntime,
    client: Client,
}

/// A runtime that may be dropped anywhere: inside an async task too, where dropping a
/// Tokio runtime the usual way would panic. Its worker stops in the background.
struct OwnedRuntime(Option<tokio::runtime::Runtime>);

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl OwnedRuntime {
    fn get(&self) -> &tokio::runtime::Runtime {
        self.0.as_ref().expect("the runtime lives until dropped")
    }
}

impl Client {
    /// The runtime and twin client of blocking calls, started on first use.
    fn blocking(&self) -> Result<&Blocking, Error> {
        let slot = &self.inner.blocking;
        if let Some(built) = slot.built.get() {
            return Ok(built);
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name(concat!(env!("CARGO_PKG_NAME"), "-blocking"))
            .enable_all()
            .build()
            .map_err(|e| {
                Error::configuration(format!("cannot start the blocking client's runtime: {e}"))
            })?;
        let runtime = OwnedRuntime(Some(runtime));
        // Built inside the runtime, so that its pool's connections are driven there.
        let http = {
            let _entered = runtime.get().enter();
            (slot.make_http)()?
        };
        let mut twin = (*self.inner).clone();
        twin.http = http;
        let client = Client {
            inner: Arc::new(twin),
        };
        // Two threads may race here: one keeps its runtime, the other's is dropped.
        let _ = slot.built.set(Blocking { runtime, client });
        Ok(slot.built.get().expect("set above or by another thread"))
    }
}

/// Runs `future` on `runtime` and waits for it on this thread, which may be any thread:
/// one inside another runtime too. A panic in the future is resumed here.
fn wait<T: Send + 'static>(
    runtime: &tokio::runtime::Runtime,
    future: impl Future<Output = Result<T, Error>> + Send + 'static,
) -> Result<T, Error> {
    let (sender, receiver) = std::sync::mpsc::sync_channel(1);
    let task = runtime.spawn(future);
    runtime.spawn(async move {
        let _ = sender.send(task.await);
    });
    match receiver.recv() {
        Ok(Ok(result)) => result,
        Ok(Err(join)) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
        _ => Err(Error::configuration(
            "the blocking client's runtime stopped before the request finished",
        )),
    }
}

/// Sends `call` with `send` and waits for the response: `send_with_response_blocking`.
#[allow(dead_code)]
pub(crate) fn block_on_call<T: Send + 'static>(
    call: Call,
    send: fn(Call) -> ResponseFuture<T>,
) -> Result<ApiResponse<T>, Error> {
    let owner = call.client().clone();
    let blocking = owner.blocking()?;
    let future = send(call.on_client(blocking.client.clone()));
    wait(blocking.runtime.get(), future)
}

/// Every item of every page of a list call, fetched as the iterator is advanced.
#[allow(dead_code)]
pub(crate) fn iter_blocking<T: DeserializeOwned + Clone + PartialEq + Send + 'static>(
    call: Call,
) -> PageIter<T> {
    let owner = call.client().clone();
    let (stream, error) = match owner.blocking() {
        Ok(blocking) => (
            Some(super::request::stream(
                call.on_client(blocking.client.clone()),
            )),
            None,
        ),
        Err(error) => (None, Some(error)),
    };
    PageIter {
        owner,
        stream,
        error,
    }
}

/// The items of every page of a list, in order, fetched one page at a time without an
/// async runtime: what `iter_blocking()` returns.
///
/// It is the blocking form of [`PageStream`](super::PageStream): the same requests, the
/// same checks of the server's paging, and an error yielded once that ends it.
///
/// ```text
/// let active: Vec<_> = client
///     .client_certificates()
///     .list(zone)
///     .status(ClientCertificateStatusFilter::Active)
///     .iter_blocking()
///     .collect::<Result<_, _>>()?;
/// ```
#[must_use = "iterators do nothing unless advanced"]
pub struct PageIter<T> {
    /// The client whose runtime the stream is polled on.
    owner: Client,
    stream: Option<PageStream<T>>,
    /// Why the runtime could not start: yielded first, ending the iterator.
    error: Option<Error>,
}

impl<T> PageIter<T> {
    /// Sets the most pages fetched; see [`PageStream::max_pages`](super::PageStream::max_pages).
    pub fn max_pages(mut self, max_pages: u64) -> Self {
        self.stream = self.stream.map(|stream| stream.max_pages(max_pages));
        self
    }
}

impl<T: DeserializeOwned + Clone + PartialEq + Send + 'static> Iterator for PageIter<T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(error) = self.error.take() {
            self.stream = None;
            return Some(Err(error));
        }
        let mut stream = self.stream.take()?;
        let blocking = match self.owner.blocking() {
            Ok(blocking) => blocking,
            Err(error) => return Some(Err(error)),
        };
        let polled = wait(blocking.runtime.get(), async move {
            let item = stream.next().await;
            Ok((item, stream))
        });
        match polled {
            Ok((item, stream)) => {
                if item.is_some() {
                    self.stream = Some(stream);
                }
                item
            }
            Err(error) => Some(Err(error)),
        }
    }
}

impl<T> fmt::Debug for PageIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageIter")
            .field("stream", &self.stream)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_starts_once_and_clones_build_their_own() {
        let client = Client::builder().without_credentials().build().unwrap();
        let first = client.blocking().unwrap() as *const Blocking;
        let again = client.blocking().unwrap() as *const Blocking;
        assert_eq!(first, again, "one runtime per client");
        let copy = Client {
            inner: Arc::new((*client.inner).clone()),
        };
        assert!(copy.inner.blocking.built.get().is_none());
        let twin = &client.blocking().unwrap().client;
        assert_eq!(twin.base_url(), client.base_url());
    }

    #[test]
    fn wait_works_outside_and_inside_another_runtime() {
        let client = Client::builder().without_credentials().build().unwrap();
        let runtime = client.blocking().unwrap().runtime.get();
        assert_eq!(wait(runtime, async { Ok(7) }).unwrap(), 7);
        let outer = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let inside = outer.block_on(async {
            let error = wait(runtime, async {
                Err::<(), _>(Error::configuration("boom"))
            });
            error.unwrap_err().to_string()
        });
        assert!(inside.contains("boom"), "{inside}");
        // Dropped inside an async task: stopped in the background, no panic.
        outer.block_on(async move { drop(client) });
    }

    #[test]
    fn a_panic_in_the_request_reaches_the_caller() {
        let client = Client::builder().without_credentials().build().unwrap();
        let runtime = client.blocking().unwrap().runtime.get();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            wait::<()>(runtime, async { panic!("inside the request") })
        }));
        let payload = caught.unwrap_err();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"inside the request"));
    }
}
