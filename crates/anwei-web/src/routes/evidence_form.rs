//! The evidence upload form, shared by tasks and incidents: one file or one link, its title, the
//! date the evidence speaks of and an optional expiry. The file is read in chunks and reading
//! stops at the limit, so an oversized upload is refused without being held in memory.

use crate::error::AppError;
use crate::state::AppState;
use anwei_domain::FieldError;
use anwei_domain::evidence::{check_file, clean_file_name, parse_link};
use anwei_domain::roc::{RocDate, parse_date_input};
use anwei_store::evidence::{EvidenceContent, NewEvidence};
use axum::extract::Multipart;
use time::Date;

/// What the evidence form held, to show it again beside its errors.
#[derive(Default)]
pub struct EvidenceFields {
    pub title: String,
    pub url: String,
    pub effective_on: String,
    pub expires_on: String,
    /// The form's other fields as sent (e.g. a disposal's date and method).
    pub extra: Vec<(String, String)>,
}

impl EvidenceFields {
    pub fn extra(&self, name: &str) -> &str {
        self.extra
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// The file input's `accept` list: `.pdf,.png,…`.
pub fn accept_attribute() -> String {
    anwei_domain::evidence::accepted_extensions()
        .iter()
        .map(|e| format!(".{e}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// A valid upload.
pub struct Upload {
    pub title: String,
    /// (file name, MIME type, bytes), or None for a link
    pub file: Option<(String, &'static str, Vec<u8>)>,
    pub url: String,
    pub effective_on: Date,
    pub expires_on: Option<Date>,
    /// extra text fields of the form (e.g. which timeline step)
    pub extra: Vec<(String, String)>,
}

impl Upload {
    pub fn as_new(&self) -> NewEvidence<'_> {
        NewEvidence {
            title: &self.title,
            content: match &self.file {
                Some((name, mime, bytes)) => EvidenceContent::File {
                    name,
                    content_type: mime,
                    bytes,
                },
                None => EvidenceContent::Link(&self.url),
            },
            effective_on: self.effective_on,
            expires_on: self.expires_on,
        }
    }

    pub fn extra(&self, name: &str) -> Option<&str> {
        self.extra
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn too_large(max: usize) -> FieldError {
    FieldError::new("file", "err-evidence-too-large").with("max", max / (1024 * 1024))
}

/// Reads one file field in chunks and stops at `max` bytes, so an oversized upload is never
/// held whole: None when it is larger (or the upload broke off).
pub async fn read_limited(
    field: &mut axum::extract::multipart::Field<'_>,
    max: usize,
) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) if bytes.len() + chunk.len() <= max => bytes.extend_from_slice(&chunk),
            Ok(None) => return Some(bytes),
            _ => return None,
        }
    }
}

/// The `file` field of a form that sends a file and nothing else that matters (imports): its
/// name and bytes, or the error to show beside it.
pub async fn the_file(mut form: Multipart, max: usize) -> Result<(String, Vec<u8>), FieldError> {
    while let Ok(Some(mut field)) = form.next_field().await {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_string();
        return read_limited(&mut field, max)
            .await
            .map(|bytes| (name, bytes))
            .ok_or_else(|| too_large(max));
    }
    Ok((String::new(), Vec::new()))
}

type Fields = (
    EvidenceFields,
    Option<(String, Vec<u8>)>,
    Vec<(String, String)>,
    Vec<FieldError>,
);

/// Reads the upload form. A file over the limit stops reading at once (the rest is never
/// buffered) and is reported next to the field.
async fn read_upload(app: &AppState, mut form: Multipart) -> Result<Fields, AppError> {
    let mut fields = EvidenceFields::default();
    let mut file = None;
    let mut extra = Vec::new();
    let mut errors = Vec::new();
    let max = app.config.max_upload_bytes;
    loop {
        let next = form.next_field().await;
        let mut field = match next {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                errors.push(too_large(max));
                break;
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_string();
            let Some(bytes) = read_limited(&mut field, max).await else {
                errors.push(too_large(max));
                break;
            };
            if !file_name.is_empty() || !bytes.is_empty() {
                file = Some((file_name, bytes));
            }
        } else {
            let text = field.text().await.unwrap_or_default();
            match name.as_str() {
                "title" => fields.title = text,
                "url" => fields.url = text,
                "effective_on" => fields.effective_on = text,
                "expires_on" => fields.expires_on = text,
                "csrf" => {}
                _ => extra.push((name, text)),
            }
        }
    }
    Ok((fields, file, extra, errors))
}

/// Reads and checks the form: the upload, or what was typed with every error (each next to its
/// field, keys as the form names them).
pub async fn parse_upload(
    app: &AppState,
    form: Multipart,
) -> Result<Result<Upload, (EvidenceFields, Vec<FieldError>)>, AppError> {
    let (fields, file, extra, mut errors) = read_upload(app, form).await?;
    let today = RocDate::of_instant(app.clock.now()).date();
    let title = anwei_domain::agency::parse_line("title", &fields.title, 1, 200)
        .map_err(|e| errors.push(e))
        .ok();
    let effective_on = match parse_date_input("effective_on", &fields.effective_on)
        .and_then(|d| anwei_domain::roc::not_in_future("effective_on", d, today))
    {
        Ok(Some(d)) => Some(d),
        Ok(None) => Some(today),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let expires_on = parse_date_input("expires_on", &fields.expires_on)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    if let (Some(from), Some(to)) = (effective_on, expires_on)
        && to < from
    {
        errors.push(FieldError::new("expires_on", "err-expiry-before-effective"));
    }
    let url = fields.url.trim().to_string();
    let mut checked_file = None;
    let mut link_ok = false;
    match (&file, url.is_empty()) {
        (Some(_), false) => errors.push(FieldError::new("url", "err-evidence-one-kind")),
        (None, true) => {
            if errors.iter().all(|e| e.field != "file") {
                errors.push(FieldError::new("file", "err-evidence-file-missing"));
            }
        }
        (None, false) => match parse_link(&url) {
            Ok(_) => link_ok = true,
            Err(e) => errors.push(e),
        },
        (Some((name, bytes)), true) => match clean_file_name(name)
            .and_then(|n| check_file(&n, bytes, app.config.max_upload_bytes).map(|m| (n, m)))
        {
            Ok((n, m)) => checked_file = Some((n, m)),
            Err(e) => errors.push(e),
        },
    }
    match (title, effective_on) {
        (Some(title), Some(effective_on))
            if errors.is_empty() && (checked_file.is_some() || link_ok) =>
        {
            let file = match (checked_file, file) {
                (Some((name, mime)), Some((_, bytes))) => Some((name, mime, bytes)),
                _ => None,
            };
            Ok(Ok(Upload {
                title,
                file,
                url,
                effective_on,
                expires_on,
                extra,
            }))
        }
        _ => Ok(Err((EvidenceFields { extra, ..fields }, errors))),
    }
}
