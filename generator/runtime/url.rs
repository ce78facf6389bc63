//! Request URLs: the base URL, the path template with every parameter percent-encoded
//! so that no value can change the path, then the query.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::error::Error;

/// Everything but the unreserved characters of RFC 3986, so that a value can
/// never add a path segment, a query or a fragment.
pub(crate) const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `base` followed by `template` with each `{name}` replaced by its value, then the
/// encoded query. Path values come percent-encoded already, in their style (see
/// `styles::path_text`), so that a style's separators (`,`, `.`, `;`, `=`) stay.
pub(crate) fn build_url(
    base: &str,
    template: &str,
    params: &[(&'static str, String)],
    query: &[(&'static str, String)],
) -> Result<String, Error> {
    let mut url = String::with_capacity(base.len() + template.len() + 32);
    url.push_str(base.trim_end_matches('/'));
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map(|i| open + i).ok_or_else(|| {
            Error::invalid("path", format!("unterminated parameter in {template}"))
        })?;
        url.push_str(&rest[..open]);
        let name = &rest[open + 1..close];
        let (name, value) = params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, v)| (*n, v.as_str()))
            .ok_or_else(|| Error::invalid("path", format!("parameter `{name}` is missing")))?;
        match value {
            "" => return Err(Error::invalid(name, "must not be empty")),
            "." | ".." => return Err(Error::invalid(name, "must not be `.` or `..`")),
            _ => url.push_str(value),
        }
        rest = &rest[close + 1..];
    }
    url.push_str(rest);
    // A template may carry literal query pairs of its own (`/search?v=2`).
    let mut separator = if template.contains('?') { '&' } else { '?' };
    for (name, value) in query {
        url.push(separator);
        separator = '&';
        url.extend(utf8_percent_encode(name, COMPONENT));
        url.push('=');
        url.extend(utf8_percent_encode(value, COMPONENT));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://api.example.com/client/v4/";
    const TEMPLATE: &str = "/zones/{zone_id}/client_certificates/{id}";

    fn url(zone: &str, id: &str) -> Result<String, Error> {
        let enc = |v: &str| utf8_percent_encode(v, COMPONENT).to_string();
        build_url(
            BASE,
            TEMPLATE,
            &[("zone_id", enc(zone)), ("id", enc(id))],
            &[],
        )
    }

    #[test]
    fn fills_the_template() {
        assert_eq!(
            url("z1", "c-2_3.4~").unwrap(),
            "https://api.example.com/client/v4/zones/z1/client_certificates/c-2_3.4~"
        );
    }

    #[test]
    fn encodes_everything_that_could_change_the_path() {
        let base = "https://api.example.com/client/v4/zones/";
        assert_eq!(
            url("../x", "1").unwrap(),
            format!("{base}..%2Fx/client_certificates/1")
        );
        assert_eq!(
            url("a/b", "1").unwrap(),
            format!("{base}a%2Fb/client_certificates/1")
        );
        assert_eq!(
            url("a?b#c", "1").unwrap(),
            format!("{base}a%3Fb%23c/client_certificates/1")
        );
        assert_eq!(
            url("%2e%2e", "é ").unwrap(),
            format!("{base}%252e%252e/client_certificates/%C3%A9%20")
        );
        let parsed = reqwest::Url::parse(&url("..%2f", "a/../b").unwrap()).unwrap();
        assert_eq!(
            parsed.path(),
            "/client/v4/zones/..%252f/client_certificates/a%2F..%2Fb"
        );
    }

    #[test]
    fn rejects_empty_and_dot_segments() {
        for (zone, reason) in [
            ("", "must not be empty"),
            (".", "`.` or `..`"),
            ("..", "`.` or `..`"),
        ] {
            match url(zone, "1").unwrap_err() {
                Error::InvalidArgument { name, reason: got } => {
                    assert_eq!(name, "zone_id");
                    assert!(got.contains(reason), "{got}");
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(url("z", "...").is_ok());
        let missing = build_url(BASE, TEMPLATE, &[("zone_id", "z".into())], &[]).unwrap_err();
        assert!(
            matches!(&missing, Error::InvalidArgument { name: "path", reason } if reason.contains("`id`")),
            "{missing:?}"
        );
    }

    #[test]
    fn encodes_query_in_order() {
        let query = [
            ("status", "pending_revocation".into()),
            ("tag", "a&b=c".into()),
            ("tag", "x y".into()),
        ];
        let built = build_url("http://h", "/list", &[], &query).unwrap();
        assert_eq!(
            built,
            "http://h/list?status=pending_revocation&tag=a%26b%3Dc&tag=x%20y"
        );
    }

    #[test]
    fn appends_to_literal_query_of_the_template() {
        let query = [("q", "a b".into())];
        let built = build_url("http://h", "/search?v=2", &[], &query).unwrap();
        assert_eq!(built, "http://h/search?v=2&q=a%20b");
        let bare = build_url("http://h", "/search?v=2", &[], &[]).unwrap();
        assert_eq!(bare, "http://h/search?v=2");
    }
}
