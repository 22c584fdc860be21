//! Tokens. A [`Secret`] prints as `***` in every format, so it cannot leak through `{:?}`, an
//! error message or a log line; the only way to the value is [`Secret::expose`], used where the
//! header is built.

use std::fmt;

/// A credential that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that puts it into a request header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the value replaced by `***` (a server may echo it).
    pub fn redact(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_string()
        } else {
            text.replace(&self.0, "***")
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A token and where it came from, so errors can say which variable to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The token.
    pub secret: Secret,
    /// Where it came from (`GITHUB_TOKEN`).
    pub origin: String,
}

impl Token {
    /// A token with its origin.
    pub fn new(secret: impl Into<String>, origin: impl Into<String>) -> Token {
        Token {
            secret: Secret::new(secret),
            origin: origin.into(),
        }
    }

    /// The first of `vars` that is set and not blank in the environment.
    pub fn from_env(vars: &[&str]) -> Option<Token> {
        Token::from_lookup(vars, |name| std::env::var(name).ok())
    }

    /// The first of `vars` for which `lookup` gives a value that is not blank.
    pub fn from_lookup(vars: &[&str], lookup: impl Fn(&str) -> Option<String>) -> Option<Token> {
        vars.iter().find_map(|var| {
            lookup(var)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .map(|v| Token::new(v, *var))
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints() {
        let t = Token::new("ghp_supersecret123", "GITHUB_TOKEN");
        assert_eq!(format!("{}", t.secret), "***");
        assert_eq!(format!("{:?}", t.secret), "Secret(***)");
        let debug = format!("{t:?} {t:#?}");
        assert!(!debug.contains("supersecret"), "{debug}");
        assert!(debug.contains("GITHUB_TOKEN"));
        assert_eq!(
            t.secret.redact("bad token ghp_supersecret123!"),
            "bad token ***!"
        );
    }

    #[test]
    fn the_first_set_variable_wins_and_blank_ones_are_skipped() {
        let env = |name: &str| match name {
            "GITHUB_TOKEN" => Some("  ".to_string()),
            "GH_TOKEN" => Some("abc".to_string()),
            _ => None,
        };
        let t = Token::from_lookup(&["GITHUB_TOKEN", "GH_TOKEN"], env).unwrap();
        assert_eq!((t.secret.expose(), t.origin.as_str()), ("abc", "GH_TOKEN"));
        assert!(Token::from_lookup(&["GITLAB_TOKEN"], env).is_none());
    }
}
