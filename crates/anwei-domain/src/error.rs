//! Errors carry a Fluent message key rather than text, so that the web edge can show them in the
//! user's language next to the field they belong to, and the CLI can print them in one line.

use std::fmt;

/// One invalid field: which field, the message key (see `crates/anwei-app/locales/*/main.ftl`)
/// and the values the message mentions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl FieldError {
    pub fn new(field: &'static str, key: &'static str) -> Self {
        Self {
            field,
            key,
            args: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
}

impl std::error::Error for FieldError {}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.key)?;
        for (name, value) in &self.args {
            write!(f, " {name}={value}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("invalid input: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    #[error("catalog file {file} is invalid: {reason}")]
    Catalog { file: &'static str, reason: String },
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// A rule of the plan refuses the step in the record's present state (a round with
    /// unconfirmed assets cannot be signed off); the message key says which.
    #[error("refused by rule: {0}")]
    Rule(&'static str),
}

impl From<FieldError> for DomainError {
    fn from(e: FieldError) -> Self {
        DomainError::Invalid(vec![e])
    }
}
