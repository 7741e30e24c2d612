//! Traditional Chinese (Taiwan) first, English second. Messages live in Fluent files
//! (`locales/<lang>/main.ftl`) so translators edit text, not code; a test fails when the two
//! files' keys differ or a template or error uses a key that does not exist.
//!
//! The locale is chosen per request — the `anwei_lang` cookie (set by the language switch), else
//! `Accept-Language`, else zh-TW — and passed explicitly; there is no process-wide locale.

use anwei_domain::FieldError;
use anwei_domain::obligation::Period;
use anwei_domain::roc::{RocDate, iso_datetime, roc_datetime};
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use std::borrow::Cow;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use unic_langid::{LanguageIdentifier, langid};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "zh-TW",
        // Fluent wraps arguments in invisible isolation marks by default; they would end up in
        // HTML, copy-and-paste and tests.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

pub const LANG_COOKIE: &str = "anwei_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    ZhTw,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhTw => "zh-TW",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::ZhTw)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    fn langid(self) -> LanguageIdentifier {
        match self {
            Lang::ZhTw => langid!("zh-TW"),
            Lang::En => langid!("en"),
        }
    }

    /// Cookie first, then the first supported language in `Accept-Language`, then zh-TW.
    /// `cookies` are the request's `Cookie` header values as sent.
    pub fn negotiate<'a>(
        cookies: impl IntoIterator<Item = &'a str>,
        accept_language: Option<&str>,
    ) -> Self {
        let from_cookie = cookies
            .into_iter()
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == LANG_COOKIE)
            .and_then(|(_, v)| Lang::parse(v));
        if let Some(l) = from_cookie {
            return l;
        }
        accept_language
            .and_then(|v| {
                v.split(',')
                    .filter_map(|part| Lang::parse(part.split(';').next().unwrap_or("")))
                    .next()
            })
            .unwrap_or(Lang::ZhTw)
    }
}

/// The translator handed to every template as `t`.
#[derive(Debug, Clone, Copy)]
pub struct Locale {
    pub lang: Lang,
}

impl Locale {
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    /// The message for `key`; the key itself if missing (the key-parity test keeps that from
    /// shipping).
    pub fn t(&self, key: &str) -> String {
        LOCALES
            .try_lookup(&self.lang.langid(), key)
            .unwrap_or_else(|| key.to_string())
    }

    /// The message for `key` with named arguments.
    pub fn f(&self, key: &str, args: &[(&str, String)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Owned((*k).to_string()), FluentValue::from(v.clone())))
            .collect();
        LOCALES
            .try_lookup_with_args(&self.lang.langid(), key, &map)
            .unwrap_or_else(|| key.to_string())
    }

    pub fn field_error(&self, e: &FieldError) -> String {
        let args: Vec<(&str, String)> = e.args.iter().map(|(k, v)| (*k, v.clone())).collect();
        self.f(e.key, &args)
    }

    /// 民國 date-time in Chinese, ISO in English; Taipei time either way.
    pub fn datetime(&self, t: &OffsetDateTime) -> String {
        match self.lang {
            Lang::ZhTw => roc_datetime(*t),
            Lang::En => iso_datetime(*t),
        }
    }

    pub fn opt_datetime(&self, t: &Option<OffsetDateTime>) -> String {
        t.as_ref().map(|t| self.datetime(t)).unwrap_or_default()
    }

    /// 民國 date in Chinese, ISO in English.
    pub fn date(&self, d: &Date) -> String {
        match self.lang {
            Lang::ZhTw => RocDate::new(*d).long(),
            Lang::En => d.to_string(),
        }
    }

    pub fn opt_date(&self, d: &Option<Date>) -> String {
        d.as_ref().map(|d| self.date(d)).unwrap_or_default()
    }

    /// A message with one argument (templates cannot build argument lists).
    pub fn f1(&self, key: &str, name: &str, value: &dyn std::fmt::Display) -> String {
        self.f(key, &[(name, value.to_string())])
    }

    pub fn other(&self) -> Lang {
        match self.lang {
            Lang::ZhTw => Lang::En,
            Lang::En => Lang::ZhTw,
        }
    }

    /// 資通安全責任等級 with its letter, or "not yet approved".
    /// The 民國 year of a calendar year, for titles such as 「115年度風險評估」.
    pub fn roc_year(&self, year: impl std::borrow::Borrow<i32>) -> i32 {
        anwei_domain::roc::roc_year_of(*year.borrow())
    }

    pub fn level(&self, level: &Option<String>) -> String {
        match level.as_deref() {
            Some(l) => self.t(&format!("level-{l}")),
            None => self.t("level-none"),
        }
    }

    pub fn kind(&self, kind: &str) -> String {
        self.t(&format!("kind-{kind}"))
    }

    /// An audit action such as `user.create`, named in this language when it has a name.
    pub fn action(&self, action: &str) -> String {
        let key = format!("action-{}", action.replace(['.', '_'], "-"));
        let text = self.t(&key);
        if text == key {
            action.to_string()
        } else {
            text
        }
    }

    /// A name the catalog gives in both languages.
    pub fn pick(&self, zh: &str, en: &str) -> String {
        match self.lang {
            Lang::ZhTw => zh.to_string(),
            Lang::En => en.to_string(),
        }
    }

    /// The message `{prefix}{key}`, for keys built from stored values (statuses, event kinds).
    pub fn tp(&self, prefix: &str, key: &str) -> String {
        self.t(&format!("{prefix}{key}"))
    }

    /// The period a task covers, as this language's forms name it (民國 years in Chinese).
    pub fn period(&self, p: &Period) -> String {
        match self.lang {
            Lang::ZhTw => p.label_zh(),
            Lang::En => p.label_en(),
        }
    }

    /// Name of a role in this language.
    /// Why an asset has its level (附表九): the decisive dimensions and how many are unrated.
    pub fn grade_reason(&self, g: &anwei_domain::asset::Grade) -> String {
        let sep = match self.lang {
            Lang::ZhTw => "、",
            Lang::En => ", ",
        };
        let dimensions: Vec<String> = g
            .decisive
            .iter()
            .map(|d| self.tp("asset-dimension-", d))
            .collect();
        let mut reason = self.f(
            "asset-grade-reason",
            &[
                ("dimensions", dimensions.join(sep)),
                ("level", self.tp("asset-rating-", g.level.as_str())),
            ],
        );
        if g.unrated > 0 {
            reason.push_str(&self.f1("asset-grade-unrated", "n", &g.unrated));
        }
        reason
    }

    pub fn role(&self, role: &str) -> String {
        self.t(&format!("role-{role}"))
    }
}

/// The message key naming a statutory deadline (通報, 上級機關審核 …), for pages, documents,
/// the command line and e-mails alike.
pub fn deadline_key(k: anwei_domain::incident::DeadlineKind) -> &'static str {
    use anwei_domain::incident::DeadlineKind;
    match k {
        DeadlineKind::Notification => "clock-notification",
        DeadlineKind::Renotification => "clock-renotification",
        DeadlineKind::SupervisorReview => "clock-supervisor-review",
        DeadlineKind::SupervisorPassOn => "clock-supervisor-pass-on",
        DeadlineKind::Recovery => "clock-recovery",
        DeadlineKind::Report => "clock-report",
    }
}

/// One choice of a `<select>`, with its label in the user's language.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Choices whose labels are the messages `{key_prefix}{value}`.
pub fn options(t: &Locale, values: &[&'static str], key_prefix: &str, current: &str) -> Vec<Opt> {
    values
        .iter()
        .map(|v| Opt {
            value: (*v).to_string(),
            label: t.t(&format!("{key_prefix}{v}")),
            selected: *v == current,
        })
        .collect()
}

/// Field errors of one form, already in the user's language.
#[derive(Debug, Default, Clone)]
pub struct FormErrors(pub Vec<(String, String)>);

impl FormErrors {
    pub fn from_fields(t: &Locale, errors: &[FieldError]) -> Self {
        Self(
            errors
                .iter()
                .map(|e| (e.field.to_string(), t.field_error(e)))
                .collect(),
        )
    }

    /// The same for one of several forms on a page: fields are keyed `{form}-{field}`.
    pub fn from_fields_in(t: &Locale, errors: &[FieldError], form: &str) -> Self {
        Self(
            errors
                .iter()
                .map(|e| (format!("{form}-{}", e.field), t.field_error(e)))
                .collect(),
        )
    }

    /// The message for `field`, or "" when it is fine.
    pub fn of(&self, field: impl AsRef<str>) -> &str {
        let field = field.as_ref();
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .unwrap_or("")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    fn keys(lang: &str) -> BTreeSet<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("locales/{lang}/main.ftl"));
        let text = std::fs::read_to_string(path).expect("ftl");
        text.lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
            .collect()
    }

    /// Every key in one locale must exist in the other.
    #[test]
    fn locales_have_the_same_keys() {
        let zh = keys("zh-TW");
        let en = keys("en");
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "only in zh-TW: {only_zh:?}; only in en: {only_en:?}"
        );
        assert!(zh.len() > 50);
    }

    /// Keys are used as `t.t("…")`, `t.f("…"` in templates and Rust, and as `"err-…"` in the
    /// domain's field errors; each must exist.
    #[test]
    fn every_used_key_exists() {
        let zh = keys("zh-TW");
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in [
            "src",
            "../anwei-web/templates",
            "../anwei-web/src",
            "../anwei-domain/src",
            "../anwei/src",
        ] {
            collect(&root.join(dir), &mut files);
        }
        let mut missing = BTreeSet::new();
        let mut used = 0;
        for f in files {
            let text = std::fs::read_to_string(&f).expect("read");
            for pat in ["t.t(\"", "t.f(\"", "t.f1(\"", "\"err-"] {
                let mut rest = text.as_str();
                while let Some(i) = rest.find(pat) {
                    rest = &rest[i + pat.len()..];
                    let start = if pat == "\"err-" {
                        "err-".to_string()
                    } else {
                        String::new()
                    };
                    let end = rest.find('"').unwrap_or(0);
                    let key = format!("{start}{}", &rest[..end]);
                    let is_key = key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                    if key.is_empty() || !is_key || key.ends_with('-') {
                        continue;
                    }
                    used += 1;
                    if !zh.contains(&key) {
                        missing.insert(format!("{key} ({})", f.display()));
                    }
                }
            }
        }
        assert!(used > 50, "found only {used} uses");
        assert!(
            missing.is_empty(),
            "keys used but not defined: {missing:#?}"
        );
    }

    fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("dir").flatten() {
            let p = entry.path();
            if p.is_dir() {
                collect(&p, out);
            } else if p.extension().is_some_and(|e| e == "html" || e == "rs") {
                out.push(p);
            }
        }
    }

    #[test]
    fn negotiation() {
        assert_eq!(Lang::negotiate([], None), Lang::ZhTw);
        assert_eq!(Lang::negotiate([], Some("fr-FR,en-US;q=0.8")), Lang::En);
        assert_eq!(
            Lang::negotiate(["x=1; anwei_lang=zh-TW"], Some("fr-FR,en-US;q=0.8")),
            Lang::ZhTw
        );
    }

    #[test]
    fn arguments_have_no_isolation_marks() {
        let t = Locale::new(Lang::En);
        let s = t.f("err-too-long", &[("max", "40".into())]);
        assert!(s.contains("40") && !s.contains('\u{2068}'), "{s}");
    }
}
