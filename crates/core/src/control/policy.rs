//! Per-context policy from `config.toml`: `[contexts."prod-*"] protected = true`,
//! `readonly = true`. Names may be globs (`*`, `?`).

/// The policy of one `[contexts.PATTERN]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextRule {
    /// The context name or glob.
    pub pattern: String,
    /// Confirmations ask for the release name.
    pub protected: bool,
    /// Nothing may be changed.
    pub readonly: bool,
}

/// Every rule, in file order; a context gets the union of the rules it matches.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policies {
    /// The rules.
    pub rules: Vec<ContextRule>,
}

impl Policies {
    /// Whether confirmations in `context` require typing the name.
    pub fn protected(&self, context: &str) -> bool {
        self.matching(context).any(|r| r.protected)
    }

    /// Whether `context` is read-only by configuration.
    pub fn readonly(&self, context: &str) -> bool {
        self.matching(context).any(|r| r.readonly)
    }

    fn matching<'a>(&'a self, context: &'a str) -> impl Iterator<Item = &'a ContextRule> {
        self.rules.iter().filter(move |r| glob(&r.pattern, context))
    }
}

/// Shell-style glob: `*` any run, `?` one character, everything else literal.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_a_shell() {
        assert!(glob("prod-*", "prod-eu"));
        assert!(glob("prod-*", "prod-"));
        assert!(!glob("prod-*", "staging"));
        assert!(glob("*-eu-?", "prod-eu-1"));
        assert!(!glob("*-eu-?", "prod-eu-12"));
        assert!(glob("kind-quarterdeck", "kind-quarterdeck"));
        let p = Policies {
            rules: vec![
                ContextRule {
                    pattern: "prod-*".into(),
                    protected: true,
                    readonly: false,
                },
                ContextRule {
                    pattern: "prod-eu".into(),
                    protected: false,
                    readonly: true,
                },
            ],
        };
        assert!(p.protected("prod-eu") && p.readonly("prod-eu"));
        assert!(p.protected("prod-us") && !p.readonly("prod-us"));
        assert!(!p.protected("dev"));
    }
}
