//! Streams over every item of a page-number paginated list.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use serde::de::DeserializeOwned;

use super::client::Client;
use super::error::Error;
use super::page::{PageFuture, Pager};
use super::request::{Operation, Request};
use super::response::ResultInfo;

/// The items of every page of a list, in order, fetched one page at a time.
///
/// Each page is requested only once the previous one has been consumed, so
/// memory use does not grow with the number of pages. Every page request is
/// retried like any other request; an error that remains is yielded once and
/// ends the stream. Use `futures_util::TryStreamExt::try_next` (or
/// `StreamExt::next`) to consume it.
///
/// A server that does not page properly cannot make the stream run forever
/// or repeat itself: the stream ends with [`Error::Pagination`] when a page's
/// `result_info.page` is not the page asked for, when a page holds the same
/// items as the page before it, or when more pages than the maximum would be
/// fetched (10,000 by default; see [`PageStream::max_pages`] and
/// `ClientBuilder::max_pages`). Items already yielded stay valid.
#[must_use = "streams do nothing unless polled"]
pub struct PageStream<T> {
    /// What to fetch next, and the guards' state; `None` at the end.
    next: Option<(Pager<T>, u64)>,
    buffer: std::vec::IntoIter<T>,
    pending: Option<PageFuture<T>>,
    error: Option<Error>,
    /// Pages fetched so far (for `Debug`).
    fetched: u64,
}

/// Builds the stream of every item of the list `op`, starting at the page
/// given in `req` (1 when absent).
#[allow(dead_code)]
pub(crate) fn paginate<T: DeserializeOwned + Clone + PartialEq + Send + 'static>(
    client: Client,
    op: &'static Operation,
    req: Result<Request, Error>,
) -> PageStream<T> {
    let (next, error) = match Pager::start(client, op, req) {
        Ok(start) => (Some(start), None),
        Err(error) => (None, Some(error)),
    };
    PageStream {
        next,
        buffer: Vec::new().into_iter(),
        pending: None,
        error,
        fetched: 0,
    }
}

pub(super) fn query_number(request: &Request, name: &str) -> Option<Result<u64, ()>> {
    let (_, value) = request.query.iter().find(|(n, _)| *n == name)?;
    Some(value.trim().parse::<u64>().map_err(|_| ()))
}

/// The page to fetch after page `current` came back with `count` items.
pub(super) fn next_page(
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

impl<T> PageStream<T> {
    /// Sets the most pages this stream fetches; asking for one more ends it
    /// with [`Error::Pagination`]. Overrides `ClientBuilder::max_pages`.
    pub fn max_pages(mut self, max_pages: u64) -> Self {
        if let Some((pager, _)) = &mut self.next {
            pager.max_pages = max_pages;
        }
        self
    }
}

/// Why the page just fetched (`asked`, holding `items`) cannot be trusted,
/// if it cannot.
pub(super) fn check_page<T: PartialEq>(
    asked: u64,
    reported: Option<u64>,
    items: &[T],
    previous: Option<&(T, T, usize)>,
) -> Option<String> {
    if let Some(reported) = reported.filter(|&page| page != asked) {
        return Some(format!(
            "asked for page {asked}, the server sent page {reported}; it does not seem to \
             support paging by page number here, so the stream would never end"
        ));
    }
    let (Some(first), Some(last), Some((prev_first, prev_last, prev_len))) =
        (items.first(), items.last(), previous)
    else {
        return None;
    };
    if *prev_len == items.len() && prev_first == first && prev_last == last {
        return Some(format!(
            "page {asked} holds the same items as page {}; the server seems to ignore the \
             page parameter, so the stream would never end",
            asked.saturating_sub(1)
        ));
    }
    None
}

impl<T: DeserializeOwned + Clone + PartialEq + Send + 'static> Stream for PageStream<T> {
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
                        let (items, next) = page.into_parts();
                        this.next = next;
                        this.buffer = items.into_iter();
                    }
                    Err(error) => {
                        this.next = None;
                        return Poll::Ready(Some(Err(error)));
                    }
                }
                continue;
            }
            match this.next.take() {
                Some((pager, page)) => {
                    this.fetched += 1;
                    this.pending = Some(Box::pin(pager.fetch(page)));
                }
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
        let mut d = f.debug_struct("PageStream");
        if let Some((pager, page)) = &self.next {
            d.field("operation", &pager.op.id)
                .field("next_page", page)
                .field("max_pages", &pager.max_pages);
        }
        d.field("pages_fetched", &self.fetched)
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
    fn pages_that_cannot_be_trusted() {
        let items = [1, 2, 3];
        assert_eq!(check_page(2, Some(2), &items, Some(&(0, 9, 3))), None);
        assert_eq!(check_page(2, None, &items, None), None);
        let wrong = check_page(3, Some(1), &items, None).unwrap();
        assert!(
            wrong.contains("asked for page 3, the server sent page 1"),
            "{wrong}"
        );
        let same = check_page(2, Some(2), &items, Some(&(1, 3, 3))).unwrap();
        assert!(
            same.contains("page 2 holds the same items as page 1"),
            "{same}"
        );
        // Same ends but another length, or an empty page: not a repeat.
        assert_eq!(check_page(2, None, &[1, 5, 3, 3], Some(&(1, 3, 3))), None);
        assert_eq!(check_page::<i32>(2, None, &[], Some(&(1, 3, 3))), None);
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
