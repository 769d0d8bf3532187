//! What a YAML scalar means: null, a boolean, an integer, a number or a string.
//!
//! The rules are the ones desired-state files have always been read with (and the ones the
//! exporter quotes against): YAML 1.2 numbers and nulls, YAML 1.1 booleans (`yes`, `no`, `on`,
//! `off`, `y`, `n` in any case, so `enabled: yes` means what its author meant and `name: no`
//! is caught as a boolean rather than read as the word), integers in 64 bits with `0x`, `0o`,
//! `0b` and `_` separators, and a quoted or block scalar is always a string.

use super::super::node::Node;

/// Why a scalar has no meaning.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum ScalarError {
    /// An explicit core tag the text does not fit (`!!int abc`).
    NotA(&'static str),
    /// A number that is not finite (`.inf`, `1e999`): no field takes one, and quoting it makes
    /// the intent explicit.
    NotFinite,
    /// A core tag no field can take (`!!binary`, `!!timestamp`, `!!seq` on a scalar).
    UnsupportedTag(String),
}

/// An explicit tag on a node, as far as its meaning goes.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tag {
    /// No tag, or one of the file's own (`!thing`), which gives no meaning.
    None,
    /// `!` or `!!str`: the text as it stands.
    Str,
    /// One of YAML's own tags (`!!int`, `!!map`, ...), by its name.
    Core(String),
}

/// The meaning of a scalar: `plain` is whether it was written without quotes or block style.
pub(super) fn resolve(text: &str, plain: bool, tag: &Tag) -> Result<Node, ScalarError> {
    match tag {
        Tag::Core(name) => tagged(text, name),
        Tag::None if plain => untagged(text),
        Tag::Str | Tag::None => Ok(Node::Str(text.to_owned())),
    }
}

/// A scalar with a core tag: the tag decides, and text that does not fit it is refused.
fn tagged(text: &str, name: &str) -> Result<Node, ScalarError> {
    match name {
        "str" => Ok(Node::Str(text.to_owned())),
        "null" => Ok(Node::Null),
        "bool" => yaml11_bool(text)
            .map(Node::Bool)
            .ok_or(ScalarError::NotA("a boolean")),
        "int" => {
            let t = trim(text);
            let value = if t.starts_with('-') {
                signed(t)
            } else {
                unsigned(t)
            };
            value.map(Node::Int).ok_or(ScalarError::NotA("an integer"))
        }
        "float" => match float(trim(text), true) {
            Some(v) if v.is_finite() => Ok(Node::Float(v)),
            Some(_) => Err(ScalarError::NotFinite),
            None => Err(ScalarError::NotA("a number")),
        },
        other => Err(ScalarError::UnsupportedTag(format!("!!{other}"))),
    }
}

/// A plain scalar without a tag: null, then boolean, then integer, then number, else string.
fn untagged(text: &str) -> Result<Node, ScalarError> {
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return Ok(Node::Null);
    }
    if let Some(b) = yaml11_bool(text) {
        return Ok(Node::Bool(b));
    }
    let t = trim(text);
    let magnitude = t.strip_prefix(['+', '-']).unwrap_or(t);
    let uppercase_radix = matches!(magnitude.as_bytes(), [b'0', b'X' | b'O' | b'B', ..]);
    // No number starts with a letter: most scalars are names, and need no further look.
    let starts_with_letter = magnitude
        .as_bytes()
        .first()
        .is_some_and(u8::is_ascii_alphabetic);
    if starts_with_letter || uppercase_radix || is_signed_nan(t) {
        return Ok(Node::Str(text.to_owned()));
    }
    let integer = if t.starts_with('-') {
        (!leading_zero_decimal(t)).then(|| signed(t)).flatten()
    } else {
        unsigned(t)
    };
    if let Some(v) = integer {
        return Ok(Node::Int(v));
    }
    match float(t, false) {
        Some(v) if v.is_finite() => Ok(Node::Float(v)),
        Some(_) => Err(ScalarError::NotFinite),
        None => Ok(Node::Str(text.to_owned())),
    }
}

/// The padding a scalar's meaning ignores (a quoted scalar may carry line breaks).
fn trim(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\r', '\n'])
}

/// `true`, `yes`, `y`, `on` and their `false` counterparts, in any case.
fn yaml11_bool(s: &str) -> Option<bool> {
    let t = trim(s);
    let is = |words: [&str; 4]| words.iter().any(|w| t.eq_ignore_ascii_case(w));
    if is(["true", "yes", "y", "on"]) {
        Some(true)
    } else if is(["false", "no", "n", "off"]) {
        Some(false)
    } else {
        None
    }
}

fn is_signed_nan(t: &str) -> bool {
    t.strip_prefix(['+', '-'])
        .is_some_and(|rest| matches!(rest, ".nan" | ".NaN" | ".NAN"))
}

/// `0127`, `+0127`, `-0127`: a decimal with a redundant leading zero, which is no integer
/// (YAML 1.2 has no implicit octal) but may still read as a number.
fn leading_zero_decimal(t: &str) -> bool {
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
}

/// An integer that fits 64 bits signed.
fn signed(t: &str) -> Option<i128> {
    let (negative, rest) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let magnitude = i128::try_from(magnitude(rest)?).ok()?;
    let value = if negative { -magnitude } else { magnitude };
    i64::try_from(value).is_ok().then_some(value)
}

/// An integer that fits 64 bits unsigned.
fn unsigned(t: &str) -> Option<i128> {
    if t.starts_with('-') {
        return None;
    }
    let value = magnitude(t.strip_prefix('+').unwrap_or(t))?;
    u64::try_from(value).ok().map(i128::from)
}

/// Digits after the sign: `0x`, `0o`, `0b` or decimal (without a leading zero), `_` allowed
/// between digits.
fn magnitude(rest: &str) -> Option<u128> {
    let (radix, digits) = if let Some(d) = rest.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = rest.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = rest.strip_prefix("0b") {
        (2, d)
    } else if rest.starts_with('0') && rest != "0" {
        return None;
    } else {
        (10, rest)
    };
    digits_value(digits, radix)
}

fn digits_value(digits: &str, radix: u32) -> Option<u128> {
    let bytes = digits.as_bytes();
    let mut value: u128 = 0;
    let mut any = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let between =
                i > 0 && bytes[i - 1] != b'_' && bytes.get(i + 1).is_some_and(|&n| n != b'_');
            if !between {
                return None;
            }
            continue;
        }
        let digit = char::from(b).to_digit(radix)?;
        value = value
            .checked_mul(u128::from(radix))?
            .checked_add(u128::from(digit))?;
        any = true;
    }
    any.then_some(value)
}

/// A YAML 1.2 number: `.inf`/`.nan` spellings, or a decimal Rust reads as a finite float, or
/// a numeral so large it overflows (returned as infinite, for the caller to refuse). Rust's
/// own `inf`/`nan` words stay strings. `tagged` admits a signed `.nan`, which only `!!float`
/// makes a number.
fn float(t: &str, tagged: bool) -> Option<f64> {
    let (negative, magnitude) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let has_sign = magnitude.len() != t.len();
    match magnitude {
        ".nan" | ".NaN" | ".NAN" if tagged || !has_sign => return Some(f64::NAN),
        ".inf" | ".Inf" | ".INF" if negative => return Some(f64::NEG_INFINITY),
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        _ => {}
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        Ok(v)
            if v.is_infinite() && magnitude.as_bytes().first().is_some_and(u8::is_ascii_digit) =>
        {
            Some(v)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{Node, ScalarError, Tag, resolve};

    fn plain(text: &str) -> Result<Node, ScalarError> {
        resolve(text, true, &Tag::None)
    }

    #[test]
    fn plain_scalars_mean_what_their_authors_wrote() {
        let str = |s: &str| Ok(Node::Str(s.to_owned()));
        for (text, meaning) in [
            ("", Ok(Node::Null)),
            ("~", Ok(Node::Null)),
            ("NULL", Ok(Node::Null)),
            ("nULL", str("nULL")),
            ("yes", Ok(Node::Bool(true))),
            ("Off", Ok(Node::Bool(false))),
            ("N", Ok(Node::Bool(false))),
            ("42", Ok(Node::Int(42))),
            ("+42", Ok(Node::Int(42))),
            ("-42", Ok(Node::Int(-42))),
            ("1_000", Ok(Node::Int(1000))),
            ("1__0", str("1__0")),
            ("0x1f", Ok(Node::Int(31))),
            ("0X1F", str("0X1F")),
            ("0o17", Ok(Node::Int(15))),
            ("0b101", Ok(Node::Int(5))),
            ("007", Ok(Node::Float(7.0))),
            ("-007", Ok(Node::Float(-7.0))),
            (
                "18446744073709551615",
                Ok(Node::Int(18_446_744_073_709_551_615)),
            ),
            (
                "18446744073709551616",
                Ok(Node::Float(18_446_744_073_709_551_616.0)),
            ),
            (
                "-9223372036854775808",
                Ok(Node::Int(-9_223_372_036_854_775_808)),
            ),
            ("1.5", Ok(Node::Float(1.5))),
            ("1e3", Ok(Node::Float(1000.0))),
            ("inf", str("inf")),
            ("nan", str("nan")),
            ("-.nan", str("-.nan")),
            (".inf", Err(ScalarError::NotFinite)),
            ("1e999", Err(ScalarError::NotFinite)),
            ("10.0.0.0/24", str("10.0.0.0/24")),
            ("acme", str("acme")),
        ] {
            assert_eq!(plain(text), meaning, "{text:?}");
        }
    }

    #[test]
    fn quoting_or_a_string_tag_keeps_the_text() {
        assert_eq!(
            resolve("yes", false, &Tag::None),
            Ok(Node::Str("yes".into()))
        );
        assert_eq!(resolve("42", true, &Tag::Str), Ok(Node::Str("42".into())));
        assert_eq!(resolve("", true, &Tag::Str), Ok(Node::Str(String::new())));
    }

    #[test]
    fn core_tags_decide_and_refuse_what_does_not_fit() {
        let core = |name: &str| Tag::Core(name.to_owned());
        assert_eq!(resolve("42", false, &core("int")), Ok(Node::Int(42)));
        assert_eq!(
            resolve("4x", true, &core("int")),
            Err(ScalarError::NotA("an integer"))
        );
        assert_eq!(resolve("on", true, &core("bool")), Ok(Node::Bool(true)));
        assert_eq!(resolve("anything", true, &core("null")), Ok(Node::Null));
        assert_eq!(resolve("1", true, &core("float")), Ok(Node::Float(1.0)));
        assert_eq!(
            resolve("aGk=", true, &core("binary")),
            Err(ScalarError::UnsupportedTag("!!binary".into()))
        );
    }
}
