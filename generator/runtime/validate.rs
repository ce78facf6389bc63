//! Checks of argument values before a request is sent, and their text on the wire.

use serde::Serialize;
use serde_json::Value;

use super::error::Error;

/// Checks the length of a string argument, in characters.
#[allow(dead_code)]
pub(crate) fn check_length(
    name: &'static str,
    value: &str,
    min: Option<u64>,
    max: Option<u64>,
) -> Result<(), Error> {
    let len = value.chars().count() as u64;
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    if let Some(min) = min.filter(|min| len < *min) {
        return Err(Error::invalid(
            name,
            format!(
                "must be at least {min} character{} long (got {len})",
                plural(min)
            ),
        ));
    }
    if let Some(max) = max.filter(|max| len > *max) {
        return Err(Error::invalid(
            name,
            format!(
                "must be at most {max} character{} long (got {len})",
                plural(max)
            ),
        ));
    }
    Ok(())
}

/// Checks that a numeric argument lies within inclusive bounds.
#[allow(dead_code)]
pub(crate) fn check_range(
    name: &'static str,
    value: f64,
    min: Option<f64>,
    max: Option<f64>,
) -> Result<(), Error> {
    check_bounds(
        name,
        value,
        min.map(|m| (m, false)),
        max.map(|m| (m, false)),
    )
}

/// `value` within `min` and `max`, each given with whether the bound itself is excluded.
pub(crate) fn check_bounds(
    name: &'static str,
    value: f64,
    min: Option<(f64, bool)>,
    max: Option<(f64, bool)>,
) -> Result<(), Error> {
    if value.is_nan() {
        return Err(Error::invalid(name, "must be a number (got NaN)"));
    }
    if let Some((min, exclusive)) = min {
        if exclusive && value <= min {
            return Err(Error::invalid(
                name,
                format!("must be more than {} (got {})", number(min), number(value)),
            ));
        }
        if value < min {
            return Err(Error::invalid(
                name,
                format!("must be at least {} (got {})", number(min), number(value)),
            ));
        }
    }
    if let Some((max, exclusive)) = max {
        if exclusive && value >= max {
            return Err(Error::invalid(
                name,
                format!("must be less than {} (got {})", number(max), number(value)),
            ));
        }
        if value > max {
            return Err(Error::invalid(
                name,
                format!("must be at most {} (got {})", number(max), number(value)),
            ));
        }
    }
    Ok(())
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    }
}

/// The text of a scalar parameter value: strings and enums bare, numbers in JSON
/// notation, booleans as `true`/`false`.
pub(crate) fn scalar_text(name: &'static str, value: &Value) -> Result<String, Error> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Err(Error::invalid(name, "a parameter cannot be null")),
        _ => Err(Error::invalid(
            name,
            "a parameter must be a string, number or boolean",
        )),
    }
}

/// [`scalar_text`] of any serialisable value.
#[allow(dead_code)]
pub(crate) fn query_value<T: Serialize + ?Sized>(
    name: &'static str,
    value: &T,
) -> Result<String, Error> {
    match serde_json::to_value(value) {
        Ok(value) => scalar_text(name, &value),
        Err(e) => Err(Error::invalid(name, format!("cannot be serialized: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_checks() {
        assert!(check_length("id", "abc", Some(1), Some(3)).is_ok());
        assert!(
            check_length("id", "ééé", None, Some(3)).is_ok(),
            "counts characters, not bytes"
        );
        let err = check_length("id", "abcd", None, Some(3)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument `id`: must be at most 3 characters long (got 4)"
        );
        let err = check_length("id", "", Some(1), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument `id`: must be at least 1 character long (got 0)"
        );
        assert!(check_length("id", "", None, None).is_ok());
    }

    #[test]
    fn range_checks() {
        assert!(check_range("per_page", 5.0, Some(5.0), Some(50.0)).is_ok());
        assert!(check_range("per_page", 50.0, Some(5.0), Some(50.0)).is_ok());
        let err = check_range("per_page", 51.0, Some(5.0), Some(50.0)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument `per_page`: must be at most 50 (got 51)"
        );
        let err = check_range("page", 0.0, Some(1.0), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument `page`: must be at least 1 (got 0)"
        );
        let err = check_range("ratio", 0.25, Some(0.5), None).unwrap_err();
        assert!(err.to_string().ends_with("must be at least 0.5 (got 0.25)"));
        assert!(check_range("x", f64::NAN, None, None).is_err());
        assert!(check_range("x", -1e300, None, None).is_ok());
        let err = check_bounds("limit", 0.0, Some((0.0, true)), None).unwrap_err();
        assert!(err.to_string().contains("more than 0 (got 0)"), "{err}");
        assert!(check_bounds("limit", 0.5, Some((0.0, true)), Some((1.0, true))).is_ok());
        let err = check_bounds("limit", 1.0, None, Some((1.0, true))).unwrap_err();
        assert!(err.to_string().contains("less than 1 (got 1)"), "{err}");
    }

    #[test]
    fn query_values() {
        #[derive(Serialize)]
        #[serde(rename_all = "snake_case")]
        enum Status {
            PendingRevocation,
        }
        assert_eq!(
            query_value("s", &Status::PendingRevocation).unwrap(),
            "pending_revocation"
        );
        assert_eq!(query_value("s", "a b").unwrap(), "a b");
        assert_eq!(query_value("n", &20u32).unwrap(), "20");
        assert_eq!(query_value("n", &-3i64).unwrap(), "-3");
        assert_eq!(query_value("f", &1.5f64).unwrap(), "1.5");
        assert_eq!(query_value("b", &true).unwrap(), "true");
        assert_eq!(query_value("b", &false).unwrap(), "false");
        assert!(query_value("v", &[1, 2]).is_err());
        assert!(query_value("v", &Option::<u8>::None).is_err());
        assert!(matches!(
            query_value("v", &f64::NAN),
            Err(Error::InvalidArgument { name: "v", .. })
        ));
    }
}
