//! Streams over every item of a page-number paginated list.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use serde::de::DeserializeOwned;

use super::client::Client;
use super::error::Error;
use super::private::{Operation, Request};
use super::response::{ApiResponse, ResultInfo};

type PageFuture<T> = Pin<Box<dyn Future<Output = Result<ApiResponse<Vec<T>>, Error>> + Send>>;

/// The items of every page of a list, in order, fetched one page at a time.
///
/// Each page is requested only once the previous one has been consumed, so
/// memory use does not grow with the number of pages. Every page request is
/// retried like any other request; an error that remains is yielded once and
/// ends the stream. Use `futures_util::TryStreamExt::try_next` (or
/// `StreamExt::next`) to consume it.
#[must_use = "streams do nothing unless polled"]
pub struct PageStream<T> {
    client: Client,
    op: &'static Operation,
    request: Request,
    /// Page that `pending` fetches, or that was fetched last.
    current: u64,
    /// Next page to fetch once the buffer is drained; `None` at the end.
    next: Option<u64>,
    request_per_page: Option<u64>,
    buffer: std::vec::IntoIter<T>,
    pending: Option<PageFuture<T>>,
    error: Option<Error>,
}

/// Builds the stream of every item of the list `op`, starting at the page
/// given in `req` (1 when absent).
#[allow(dead_code)]
pub(crate) fn paginate<T: DeserializeOwned + Send + 'static>(
    client: Client,
    op: &'static Operation,
    req: Result<Request, Error>,
) -> PageStream<T> {
    let mut stream = PageStream {
        client,
        op,
        request: Request::default(),
        current: 0,
        next: None,
        request_per_page: None,
        buffer: Vec::new().into_iter(),
        pending: None,
        error: None,
    };
    let request = match req {
        Ok(request) => request,
        Err(error) => {
            stream.error = Some(error);
            return stream;
        }
    };
    let start = match op.page_param {
        Some(name) => match query_number(&request, name) {
            Some(Ok(page)) => page,
            Some(Err(())) => {
                stream.error = Some(Error::invalid(name, "must be a positive integer"));
                return stream;
            }
            None => 1,
        },
        None => 1,
    };
    stream.request_per_page = query_number(&request, "per_page").and_then(Result::ok);
    stream.request = request;
    stream.next = Some(start);
    stream
}

fn query_number(request: &Request, name: &str) -> Option<Result<u64, ()>> {
    let (_, value) = request.query.iter().find(|(n, _)| *n == name)?;
    Some(value.trim().parse::<u64>().map_err(|_| ()))
}

/// The page to fetch after page `current` came back with `count` items.
fn next_page(
    current: u64,
    count: usize,
    info: Option<&ResultInfo>,
    request_per_page: Option<u64>,
) -> Option<u64> {
    if count == 0 {
        return None;
    }
    if let Some(total) = info.and_then(|i| i.total_pages) {
        return if current >= total {
            None
        } else {
            current.checked_add(1)
        };
    }
    let per_page = info.and_then(|i| i.per_page).or(request_per_page);
    if per_page.is_some_and(|per_page| (count as u64) < per_page) {
        return None;
    }
    current.checked_add(1)
}

impl<T: DeserializeOwned + Send + 'static> PageStream<T> {
    fn start_fetch(&mut self, page: u64) {
        let mut request = self.request.clone();
        if let Some(name) = self.op.page_param {
            let value = page.to_string();
            match request.query.iter().position(|(n, _)| *n == name) {
                Some(at) => {
                    request.query[at].1 = value;
                    let mut seen = 0;
                    request.query.retain(|(n, _)| {
                        *n != name || {
                            seen += 1;
                            seen == 1
                        }
                    });
                }
                None => request.query.push((name, value)),
            }
        }
        let client = self.client.clone();
        let op = self.op;
        self.current = page;
        self.pending = Some(Box::pin(async move {
            client.execute::<Vec<T>>(op, request).await
        }));
    }
}

impl<T: DeserializeOwned + Send + 'static> Stream for PageStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.buffer.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            if let Some(error) = this.error.take() {
                this.next = None;
                return Poll::Ready(Some(Err(error)));
            }
            if let Some(pending) = this.pending.as_mut() {
                let result = match pending.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(result) => result,
                };
                this.pending = None;
                match result {
                    Ok(page) => {
                        let count = page.result.len();
                        this.next = match this.op.page_param {
                            Some(_) => next_page(
                                this.current,
                                count,
                                page.result_info.as_ref(),
                                this.request_per_page,
                            ),
                            None => None,
                        };
                        this.buffer = page.result.into_iter();
                    }
                    Err(error) => {
                        this.next = None;
                        return Poll::Ready(Some(Err(error)));
                    }
                }
                continue;
            }
            match this.next.take() {
                Some(page) => this.start_fetch(page),
                None => return Poll::Ready(None),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let done = self.next.is_none() && self.pending.is_none() && self.error.is_none();
        let len = self.buffer.len();
        (len, if done { Some(len) } else { None })
    }
}

// No field is ever pinned in place: the pending future is boxed.
impl<T> Unpin for PageStream<T> {}

impl<T> fmt::Debug for PageStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageStream")
            .field("operation", &self.op.id)
            .field("current_page", &self.current)
            .field("next_page", &self.next)
            .field("buffered", &self.buffer.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(per_page: Option<u64>, total_pages: Option<u64>) -> ResultInfo {
        ResultInfo {
            per_page,
            total_pages,
            ..ResultInfo::default()
        }
    }

    #[test]
    fn stops_at_total_pages() {
        assert_eq!(
            next_page(1, 20, Some(&info(Some(20), Some(3))), None),
            Some(2)
        );
        assert_eq!(next_page(3, 20, Some(&info(Some(20), Some(3))), None), None);
        assert_eq!(next_page(5, 20, Some(&info(Some(20), Some(3))), None), None);
        assert_eq!(
            next_page(1, 4, Some(&info(Some(20), Some(2))), None),
            Some(2),
            "total_pages wins"
        );
        assert_eq!(next_page(1, 20, Some(&info(None, Some(0))), None), None);
    }

    #[test]
    fn without_total_pages_stops_on_short_or_empty_page() {
        assert_eq!(next_page(1, 0, Some(&info(Some(20), None)), None), None);
        assert_eq!(next_page(1, 19, Some(&info(Some(20), None)), None), None);
        assert_eq!(next_page(1, 20, Some(&info(Some(20), None)), None), Some(2));
        assert_eq!(next_page(2, 4, None, Some(5)), None);
        assert_eq!(next_page(2, 5, None, Some(5)), Some(3));
        assert_eq!(next_page(2, 5, None, None), Some(3));
        assert_eq!(next_page(u64::MAX, 5, None, None), None);
    }

    #[test]
    fn start_page_comes_from_the_request() {
        let request = Request {
            query: vec![
                ("status", "active".into()),
                ("page", "3".into()),
                ("per_page", "5".into()),
            ],
            ..Request::default()
        };
        assert_eq!(query_number(&request, "page"), Some(Ok(3)));
        assert_eq!(query_number(&request, "per_page"), Some(Ok(5)));
        assert_eq!(query_number(&request, "missing"), None);
        let bad = Request {
            query: vec![("page", "x".into())],
            ..Request::default()
        };
        assert_eq!(query_number(&bad, "page"), Some(Err(())));
    }
}
