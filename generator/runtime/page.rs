//! Page-level access to a paginated list: [`Page`] (one page with its
//! envelope, status and headers, and the way to the next) and [`Pages`] (a
//! stream of them). Both share the item stream's guards against a server that
//! never stops paging.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::client::Client;
use super::error::Error;
use super::pagination::{check_page, next_page, query_number};
use super::request::{Operation, Request};
use super::response::{ApiMessage, ApiResponse, ResultInfo};

/// The future of one page: what `first_page()` and [`Page::next_page`] return.
pub type PageFuture<T> = Pin<Box<dyn Future<Output = Result<Page<T>, Error>> + Send>>;

/// The future of [`Page::next_page`]: the next page, or `None` after the last.
pub type NextPageFuture<T> = Pin<Box<dyn Future<Output = Result<Option<Page<T>>, Error>> + Send>>;

/// Where a paged listing stands between pages: the request to repeat with
/// another page number, and the guards' state (pages fetched, the last
/// page's ends).
pub(crate) struct Pager<T> {
    client: Client,
    pub(crate) op: &'static Operation,
    request: Request,
    request_per_page: Option<u64>,
    fetched: u64,
    pub(crate) max_pages: u64,
    previous: Option<(T, T, usize)>,
}

impl<T: Clone> Clone for Pager<T> {
    fn clone(&self) -> Self {
        Pager {
            client: self.client.clone(),
            op: self.op,
            request: self.request.clone(),
            request_per_page: self.request_per_page,
            fetched: self.fetched,
            max_pages: self.max_pages,
            previous: self.previous.clone(),
        }
    }
}

impl<T: DeserializeOwned + Clone + PartialEq + Send + 'static> Pager<T> {
    /// The pager of the list `op` and the page to fetch first: the one set in
    /// `req` (1 when absent).
    pub(crate) fn start(
        client: Client,
        op: &'static Operation,
        req: Result<Request, Error>,
    ) -> Result<(Pager<T>, u64), Error> {
        let request = req?;
        let start = match op
            .page_param
            .map(|name| (name, query_number(&request, name)))
        {
            Some((_, Some(Ok(page)))) => page,
            Some((name, Some(Err(())))) => {
                return Err(Error::invalid(name, "must be a positive integer"));
            }
            _ => 1,
        };
        let pager = Pager {
            max_pages: client.inner.max_pages,
            client,
            op,
            request_per_page: query_number(&request, "per_page").and_then(Result::ok),
            request,
            fetched: 0,
            previous: None,
        };
        Ok((pager, start))
    }

    /// Fetches page `number` and checks it: [`Error::Pagination`] past
    /// `max_pages`, for a page other than the one asked for, or for the same
    /// items as the page before.
    pub(crate) async fn fetch(mut self, number: u64) -> Result<Page<T>, Error> {
        if self.fetched >= self.max_pages {
            return Err(Error::Pagination {
                message: format!(
                    "the list did not end within {} pages; raise the limit with max_pages if \
                     it really is that long",
                    self.max_pages
                ),
            });
        }
        self.fetched += 1;
        let request = self.request_for(number);
        let response = self.client.execute::<Vec<T>>(self.op, Ok(request)).await?;
        let next = match self.op.page_param {
            Some(_) => {
                let reported = response.result_info.as_ref().and_then(|i| i.page);
                let items = &response.result;
                if let Some(message) = check_page(number, reported, items, self.previous.as_ref()) {
                    return Err(Error::Pagination { message });
                }
                next_page(
                    number,
                    items.len(),
                    response.result_info.as_ref(),
                    self.request_per_page,
                )
            }
            None => None,
        };
        if let (Some(first), Some(last)) = (response.result.first(), response.result.last()) {
            self.previous = Some((first.clone(), last.clone(), response.result.len()));
        }
        Ok(Page {
            response,
            number,
            next,
            pager: self,
        })
    }

    /// The request with its page parameter set to `number` (once).
    fn request_for(&self, number: u64) -> Request {
        let mut request = self.request.clone();
        if let Some(name) = self.op.page_param {
            let value = number.to_string();
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
        request
    }
}

/// One page of a paginated list: its items, the envelope's `result_info` and
/// messages, the status and headers, and the way to the page after it.
///
/// ```text
/// let mut page = client.client_certificates().list(&zone).per_page(50).first_page().await?;
/// loop {
///     println!("page {:?}: {} items", page.result_info().and_then(|i| i.page), page.items().len());
///     match page.next_page().await? {
///         Some(next) => page = next,
///         None => break,
///     }
/// }
/// ```
pub struct Page<T> {
    response: ApiResponse<Vec<T>>,
    number: u64,
    next: Option<u64>,
    pager: Pager<T>,
}

impl<T> Page<T> {
    /// The items of this page.
    pub fn items(&self) -> &[T] {
        &self.response.result
    }

    /// Takes the items of this page.
    pub fn into_items(self) -> Vec<T> {
        self.response.result
    }

    /// The envelope's paging information (`page`, `per_page`, `count`,
    /// `total_count`, `total_pages`), when the server sent it.
    pub fn result_info(&self) -> Option<&ResultInfo> {
        self.response.result_info.as_ref()
    }

    /// Informational messages sent with the page.
    pub fn messages(&self) -> &[ApiMessage] {
        &self.response.messages
    }

    /// HTTP status of the page's response.
    pub fn status(&self) -> StatusCode {
        self.response.status
    }

    /// Headers of the page's response.
    pub fn headers(&self) -> &HeaderMap {
        &self.response.headers
    }

    /// The page number this page was asked for.
    pub fn page_number(&self) -> u64 {
        self.number
    }

    /// Whether there is a page after this one (from `result_info.total_pages`,
    /// or, without it, a full page).
    pub fn has_next_page(&self) -> bool {
        self.next.is_some()
    }

    /// The whole response of this page.
    pub fn response(&self) -> &ApiResponse<Vec<T>> {
        &self.response
    }

    /// The items and what a stream needs to fetch the next page.
    pub(crate) fn into_parts(self) -> (Vec<T>, Option<(Pager<T>, u64)>) {
        let next = self.next.map(|number| (self.pager, number));
        (self.response.result, next)
    }
}

impl<T: DeserializeOwned + Clone + PartialEq + Send + 'static> Page<T> {
    /// Fetches the page after this one: `None` after the last page. The same
    /// checks as the item stream's apply: [`Error::Pagination`] for a page
    /// other than the one asked for, the same items as this page, or more
    /// pages than `max_pages` in this chain.
    pub fn next_page(&self) -> NextPageFuture<T> {
        let next = self.next.map(|number| (self.pager.clone(), number));
        Box::pin(async move {
            match next {
                Some((pager, number)) => pager.fetch(number).await.map(Some),
                None => Ok(None),
            }
        })
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.response.result.into_iter()
    }
}

impl<T> fmt::Debug for Page<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Page")
            .field("operation", &self.pager.op.id)
            .field("page", &self.number)
            .field("items", &self.response.result.len())
            .field("status", &self.response.status)
            .field("result_info", &self.response.result_info)
            .field("next_page", &self.next)
            .finish_non_exhaustive()
    }
}

/// A stream of the pages of a list, fetched one at a time as it is polled:
/// what `pages()` returns. It ends after the last page, or with the same
/// [`Error::Pagination`] as the item stream
/// ([`PageStream`](super::PageStream)) for a server that does not page
/// properly.
#[must_use = "streams do nothing unless polled"]
pub struct Pages<T> {
    next: Option<(Pager<T>, u64)>,
    pending: Option<PageFuture<T>>,
    error: Option<Error>,
}

impl<T> Pages<T> {
    /// Sets the most pages this stream fetches; asking for one more ends it
    /// with [`Error::Pagination`]. Overrides `ClientBuilder::max_pages`.
    pub fn max_pages(mut self, max_pages: u64) -> Self {
        if let Some((pager, _)) = &mut self.next {
            pager.max_pages = max_pages;
        }
        self
    }
}

/// The stream of the pages of the list `op`, from the page set in `req`.
pub(crate) fn pages<T: DeserializeOwned + Clone + PartialEq + Send + 'static>(
    client: Client,
    op: &'static Operation,
    req: Result<Request, Error>,
) -> Pages<T> {
    match Pager::start(client, op, req) {
        Ok(start) => Pages {
            next: Some(start),
            pending: None,
            error: None,
        },
        Err(error) => Pages {
            next: None,
            pending: None,
            error: Some(error),
        },
    }
}

/// The first page of the list `op` (the one set in `req`, or page 1).
pub(crate) fn first_page<T: DeserializeOwned + Clone + PartialEq + Send + 'static>(
    client: Client,
    op: &'static Operation,
    req: Result<Request, Error>,
) -> PageFuture<T> {
    Box::pin(async move {
        let (pager, start) = Pager::start(client, op, req)?;
        pager.fetch(start).await
    })
}

impl<T: DeserializeOwned + Clone + PartialEq + Send + 'static> Stream for Pages<T> {
    type Item = Result<Page<T>, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
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
                if let Ok(page) = &result {
                    this.next = page.next.map(|number| (page.pager.clone(), number));
                }
                return Poll::Ready(Some(result));
            }
            match this.next.take() {
                Some((pager, number)) => this.pending = Some(Box::pin(pager.fetch(number))),
                None => return Poll::Ready(None),
            }
        }
    }
}

// No field is ever pinned in place: the pending future is boxed.
impl<T> Unpin for Pages<T> {}

impl<T> fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("next_page", &self.next.as_ref().map(|(_, number)| number))
            .field("pending", &self.pending.is_some())
            .finish_non_exhaustive()
    }
}
