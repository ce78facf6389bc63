//! An operation's parameters as data (name, location, style, checks), and the encoding
//! of a call's values for where each goes: the path, the query (by `style`), headers and
//! cookies.

use serde_json::Value;

use super::error::Error;
use super::request::Operation;
use super::validate::{check_bounds, check_length, scalar_text};

/// Where a parameter is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)]
pub(crate) enum Location {
    Path,
    Query,
    Header,
    /// Sent in the `Cookie` header (`name=value`, joined with `; `).
    Cookie,
}

/// How an array or object value is written (OpenAPI's `style`). Path and header
/// parameters are `simple` (comma-separated) unless `Label` or `Matrix`; see `styles`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)]
pub(crate) enum Style {
    /// `ids=1&ids=2` (exploded) or `ids=1,2`; an object as `k=v&k2=v2` (exploded) or
    /// `point=x,1,y,2`.
    Form,
    /// `filter[status]=active`, nested objects and arrays in brackets
    /// (`created[gt]=1`, `expand[]=a`), as Stripe and Rails read them.
    DeepObject,
    /// `ids=1%202`.
    SpaceDelimited,
    /// `ids=1|2`.
    PipeDelimited,
    /// A path value after a `.`: `.blue`, `.blue.black` (exploded) or `.blue,black`.
    Label,
    /// A path value as `;name=value`: `;id=1;id=2` (exploded) or `;id=1,2`.
    Matrix,
}

/// One parameter of an operation: its wire name, location and checks. A builder's
/// values are given by position in [`Operation::params`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Param {
    pub name: &'static str,
    pub location: Location,
    /// For arrays: one pair per item (`true`) or the items joined with commas.
    pub explode: bool,
    pub style: Style,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    /// Whether `minimum` and `maximum` themselves are excluded.
    pub exclusive: (bool, bool),
}

#[allow(dead_code)]
impl Param {
    const fn at(name: &'static str, location: Location) -> Param {
        Param {
            name,
            location,
            explode: location as u8 == Location::Query as u8,
            style: Style::Form,
            min_length: None,
            max_length: None,
            minimum: None,
            maximum: None,
            exclusive: (false, false),
        }
    }

    /// A path parameter.
    pub(crate) const fn path(name: &'static str) -> Param {
        Param::at(name, Location::Path)
    }

    /// A query parameter (arrays exploded, one pair per item).
    pub(crate) const fn query(name: &'static str) -> Param {
        Param::at(name, Location::Query)
    }

    /// A header parameter.
    pub(crate) const fn header(name: &'static str) -> Param {
        Param::at(name, Location::Header)
    }

    /// A cookie parameter.
    pub(crate) const fn cookie(name: &'static str) -> Param {
        Param::at(name, Location::Cookie)
    }

    /// Arrays (and objects) are sent as one comma-separated value.
    pub(crate) const fn comma_separated(mut self) -> Param {
        self.explode = false;
        self
    }

    /// Objects and arrays in brackets (`deepObject`).
    pub(crate) const fn deep_object(mut self) -> Param {
        self.style = Style::DeepObject;
        self
    }

    /// Arrays joined with spaces.
    pub(crate) const fn space_delimited(mut self) -> Param {
        self.style = Style::SpaceDelimited;
        self.explode = false;
        self
    }

    /// Arrays joined with `|`.
    pub(crate) const fn pipe_delimited(mut self) -> Param {
        self.style = Style::PipeDelimited;
        self.explode = false;
        self
    }

    /// Arrays and objects are exploded: for a path or header parameter, objects as
    /// `k=v` pairs and label or matrix items each with their own prefix.
    pub(crate) const fn exploded(mut self) -> Param {
        self.explode = true;
        self
    }

    /// A path parameter in `label` style (`.value`).
    pub(crate) const fn label(mut self) -> Param {
        self.style = Style::Label;
        self
    }

    /// A path parameter in `matrix` style (`;name=value`).
    pub(crate) const fn matrix(mut self) -> Param {
        self.style = Style::Matrix;
        self
    }

    /// Strings must have at least `n` characters.
    pub(crate) const fn min_length(mut self, n: u64) -> Param {
        self.min_length = Some(n);
        self
    }

    /// Strings must have at most `n` characters.
    pub(crate) const fn max_length(mut self, n: u64) -> Param {
        self.max_length = Some(n);
        self
    }

    /// Numbers must be at least `n`.
    pub(crate) const fn minimum(mut self, n: f64) -> Param {
        self.minimum = Some(n);
        self
    }

    /// Numbers must be at most `n`.
    pub(crate) const fn maximum(mut self, n: f64) -> Param {
        self.maximum = Some(n);
        self
    }

    /// Numbers must be more than `n`.
    pub(crate) const fn above(mut self, n: f64) -> Param {
        self.minimum = Some(n);
        self.exclusive.0 = true;
        self
    }

    /// Numbers must be less than `n`.
    pub(crate) const fn below(mut self, n: f64) -> Param {
        self.maximum = Some(n);
        self.exclusive.1 = true;
        self
    }
}

type Pairs = Vec<(&'static str, String)>;

/// A call's values, encoded for where each goes.
#[derive(Default)]
pub(crate) struct Encoded {
    pub path: Pairs,
    pub query: Pairs,
    pub query_objects: Vec<(String, String)>,
    pub headers: Pairs,
    pub cookies: Pairs,
}

/// Checks every value against its parameter and encodes it for its location and style.
pub(crate) fn encode(op: &Operation, args: &[Option<Value>]) -> Result<Encoded, Error> {
    let mut out = Encoded::default();
    for (param, value) in op.params.iter().zip(args) {
        let target = match param.location {
            Location::Path => &mut out.path,
            Location::Query => &mut out.query,
            Location::Header => &mut out.headers,
            Location::Cookie => &mut out.cookies,
        };
        match value {
            None | Some(Value::Null) if param.location == Location::Path => {
                return Err(Error::invalid(param.name, "path parameter is missing"));
            }
            None | Some(Value::Null) => {}
            Some(value) if param.location == Location::Path => {
                check(param, value)?;
                out.path
                    .push((param.name, super::styles::path_text(param, value)?));
            }
            Some(value) if param.location == Location::Header => {
                check(param, value)?;
                out.headers
                    .push((param.name, super::styles::header_text(param, value)?));
            }
            Some(value @ (Value::Array(_) | Value::Object(_)))
                if param.location == Location::Query && param.style == Style::DeepObject =>
            {
                super::encode::flatten(param.name.to_owned(), value, &mut out.query_objects);
            }
            Some(Value::Object(fields)) if param.location == Location::Query && param.explode => {
                // `form` exploded: each property is a pair of its own.
                for (name, value) in fields {
                    super::encode::flatten(name.clone(), value, &mut out.query_objects);
                }
            }
            Some(Value::Object(fields)) => {
                let mut texts = Vec::with_capacity(fields.len() * 2);
                for (name, value) in fields {
                    texts.push(name.clone());
                    texts.push(scalar_text(param.name, value)?);
                }
                target.push((param.name, texts.join(",")));
            }
            Some(Value::Array(items)) => {
                if param.explode && param.location == Location::Query {
                    for item in items {
                        target.push((param.name, scalar_text(param.name, item)?));
                    }
                } else {
                    let texts = items
                        .iter()
                        .map(|item| scalar_text(param.name, item))
                        .collect::<Result<Vec<_>, _>>()?;
                    let separator = match param.style {
                        Style::SpaceDelimited => " ",
                        Style::PipeDelimited => "|",
                        _ => ",",
                    };
                    target.push((param.name, texts.join(separator)));
                }
            }
            Some(value) => {
                check(param, value)?;
                target.push((param.name, scalar_text(param.name, value)?));
            }
        }
    }
    Ok(out)
}

/// The length or range checks of `param` on a single value.
fn check(param: &Param, value: &Value) -> Result<(), Error> {
    match value {
        Value::String(text) if param.min_length.is_some() || param.max_length.is_some() => {
            check_length(param.name, text, param.min_length, param.max_length)
        }
        Value::Number(n) if param.minimum.is_some() || param.maximum.is_some() => check_bounds(
            param.name,
            n.as_f64().unwrap_or(f64::NAN),
            param.minimum.map(|m| (m, param.exclusive.0)),
            param.maximum.map(|m| (m, param.exclusive.1)),
        ),
        _ => Ok(()),
    }
}
