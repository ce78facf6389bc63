//! Path and header parameter values, written as OpenAPI 3.0's `simple`, `label` and
//! `matrix` styles say: a primitive, an array or an object, exploded or not.
//!
//! | style  | explode | `5`     | `[3, 4]`     | `{"R": 1, "G": 2}` |
//! |--------|---------|---------|--------------|--------------------|
//! | simple | false   | `5`     | `3,4`        | `R,1,G,2`          |
//! | simple | true    | `5`     | `3,4`        | `R=1,G=2`          |
//! | label  | false   | `.5`    | `.3,4`       | `.R,1,G,2`         |
//! | label  | true    | `.5`    | `.3.4`       | `.R=1.G=2`         |
//! | matrix | false   | `;id=5` | `;id=3,4`    | `;id=R,1,G,2`      |
//! | matrix | true    | `;id=5` | `;id=3;id=4` | `;R=1;G=2`         |

use percent_encoding::utf8_percent_encode;
use serde_json::Value;

use super::error::Error;
use super::params::{Param, Style};
use super::url::COMPONENT;
use super::validate::scalar_text;

/// The value of a path parameter, percent-encoded and written in its style: the text
/// that replaces `{name}` in the path template. Every name and value is encoded on its
/// own (so no value can add a segment, a query or a separator of the style), the
/// style's separators (`.`, `;`, `=`, `,`) are not.
pub(crate) fn path_text(param: &Param, value: &Value) -> Result<String, Error> {
    let enc = |text: &str| utf8_percent_encode(text, COMPONENT).to_string();
    let name = enc(param.name);
    let (prefix, item_sep) = match param.style {
        Style::Label => (".".to_owned(), if param.explode { "." } else { "," }),
        Style::Matrix => (format!(";{name}="), if param.explode { ";" } else { "," }),
        _ => (String::new(), ","),
    };
    let text = match value {
        Value::Array(items) => {
            let texts = items
                .iter()
                .map(|item| scalar_text(param.name, item).map(|t| enc(&t)))
                .collect::<Result<Vec<_>, _>>()?;
            match param.style {
                Style::Matrix if param.explode => texts
                    .iter()
                    .map(|t| format!(";{name}={t}"))
                    .collect::<String>(),
                Style::Matrix if texts.is_empty() => format!(";{name}"),
                _ => format!("{prefix}{}", texts.join(item_sep)),
            }
        }
        Value::Object(fields) => {
            let mut pairs = Vec::with_capacity(fields.len());
            for (key, value) in fields {
                let value = enc(&scalar_text(param.name, value)?);
                pairs.push((enc(key), value));
            }
            if param.explode {
                let joined: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
                match param.style {
                    Style::Label => format!(".{}", joined.join(".")),
                    Style::Matrix => joined.iter().map(|p| format!(";{p}")).collect(),
                    _ => joined.join(","),
                }
            } else {
                let flat: Vec<String> = pairs.into_iter().flat_map(|(k, v)| [k, v]).collect();
                format!("{prefix}{}", flat.join(","))
            }
        }
        scalar => {
            let text = enc(&scalar_text(param.name, scalar)?);
            match param.style {
                // `;id` for an empty value, as RFC 6570 writes it.
                Style::Matrix if text.is_empty() => format!(";{name}"),
                _ => format!("{prefix}{text}"),
            }
        }
    };
    Ok(text)
}

/// The value of a header parameter (`simple` style): arrays and objects joined with
/// commas, an exploded object as `k=v` pairs. Whether the text is valid in a header is
/// checked where the header is built.
pub(crate) fn header_text(param: &Param, value: &Value) -> Result<String, Error> {
    match value {
        Value::Array(items) => Ok(items
            .iter()
            .map(|item| scalar_text(param.name, item))
            .collect::<Result<Vec<_>, _>>()?
            .join(",")),
        Value::Object(fields) => {
            let mut parts = Vec::with_capacity(fields.len() * 2);
            for (key, value) in fields {
                let value = scalar_text(param.name, value)?;
                if param.explode {
                    parts.push(format!("{key}={value}"));
                } else {
                    parts.push(key.clone());
                    parts.push(value);
                }
            }
            Ok(parts.join(","))
        }
        scalar => scalar_text(param.name, scalar),
    }
}

#[cfg(test)]
#[path = "styles_tests.rs"]
mod tests;
