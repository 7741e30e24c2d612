//! Importing an inventory from a spreadsheet, in two steps: the file is read and shown as it
//! will be imported — which column feeds which field (the user may correct it), every row's
//! result, the rows refused and why (also as an XLSX to fix and send back) — and only when the
//! user confirms are the valid rows written, all in one transaction. The uploaded file is kept
//! in the file store by its digest between the two steps, so nothing is held in the session.

use crate::auth::CurrentUser;
use crate::error::{AppError, redirect};
use crate::i18n::{Locale, Opt};
use crate::pages::{Chrome, render};
use crate::scope::{Scoped, need};
use crate::state::AppState;
use anwei_domain::FieldError;
use anwei_domain::asset::AssetInput;
use anwei_domain::asset_import::{
    FIELDS, MAX_ROWS, Mapping, ParsedRow, check_mapping, guess_mapping, parse_rows, refuse_taken,
};
use anwei_domain::evidence::sha256_hex;
use anwei_domain::sheet::{Rows, read_rows};
use anwei_store::agencies::AgencyScope;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub fn router(max_upload: usize) -> Router<AppState> {
    Router::new()
        .route(
            "/agencies/{code}/assets/import",
            post(upload).layer(DefaultBodyLimit::max(max_upload + 64 * 1024)),
        )
        .route("/agencies/{code}/assets/import/{sha}", post(review))
        .route(
            "/agencies/{code}/assets/import/progress/{id}",
            get(progress),
        )
        .route(
            "/agencies/{code}/assets/import/{sha}/{file}",
            get(error_report),
        )
}

/// One row as the preview shows it.
pub struct PreviewRow {
    pub line: usize,
    pub cells: Vec<String>,
    pub errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "asset_import.html")]
struct PreviewPage<'a> {
    t: &'a Locale,
    c: Chrome,
    a: AgencyScope,
    sha: String,
    file_name: String,
    /// (field, label, options of columns)
    mapping: Vec<(&'static str, String, Vec<Opt>)>,
    mapping_error: String,
    rows: Vec<PreviewRow>,
    valid: usize,
    refused: usize,
    shown: usize,
}

/// The rows of the file with the agency's existing names refused too.
async fn checked(
    app: &AppState,
    a: &AgencyScope,
    table: &Rows,
    mapping: &Mapping,
) -> Result<Vec<ParsedRow>, AppError> {
    let existing = app.store.asset_names(a).await?;
    Ok(refuse_taken(
        parse_rows(table, mapping, app.today()),
        &existing,
    ))
}

fn messages(t: &Locale, errors: &[FieldError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| format!("{}：{}", t.tp("import-field-", e.field), t.field_error(e)))
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn preview(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    a: AgencyScope,
    sha: String,
    file_name: String,
    table: &Rows,
    mapping: Mapping,
) -> Result<Response, AppError> {
    let header = table.first().cloned().unwrap_or_default();
    let mapping_error = check_mapping(&mapping)
        .err()
        .map(|e| t.field_error(&e))
        .unwrap_or_default();
    let rows = if mapping_error.is_empty() {
        checked(app, &a, table, &mapping).await?
    } else {
        Vec::new()
    };
    let valid = rows.iter().filter(|(_, r)| r.is_ok()).count();
    let refused = rows.len() - valid;
    // every refused row, then the first valid ones, up to 500 lines on the page
    let mut shown: Vec<PreviewRow> = rows
        .iter()
        .filter(|(_, r)| r.is_err())
        .chain(rows.iter().filter(|(_, r)| r.is_ok()))
        .take(500)
        .map(|(line, r)| PreviewRow {
            line: *line,
            cells: table
                .get(line - 1)
                .map(|cells| {
                    mapping
                        .iter()
                        .map(|c| c.and_then(|c| cells.get(c)).cloned().unwrap_or_default())
                        .collect()
                })
                .unwrap_or_default(),
            errors: r.as_ref().err().map_or(Vec::new(), |e| messages(t, e)),
        })
        .collect();
    shown.sort_by_key(|r| (r.errors.is_empty(), r.line));
    let columns = |chosen: Option<usize>| -> Vec<Opt> {
        header
            .iter()
            .enumerate()
            .map(|(i, h)| Opt {
                value: i.to_string(),
                label: format!("{}（{}）", h, column_letter(i)),
                selected: chosen == Some(i),
            })
            .collect()
    };
    let page = PreviewPage {
        c: Chrome::for_user(app, t, user, &format!("/agencies/{}/assets", a.code)),
        mapping: FIELDS
            .iter()
            .zip(mapping)
            .map(|((field, _), chosen)| (*field, t.tp("import-field-", field), columns(chosen)))
            .collect(),
        shown: shown.len(),
        rows: shown,
        t,
        a,
        sha,
        file_name,
        mapping_error,
        valid,
        refused,
    };
    let status = if refused > 0 || valid == 0 {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, render(&page)?).into_response())
}

/// A, B, … Z, AA: how spreadsheet programs name the column.
fn column_letter(mut i: usize) -> String {
    let mut s = String::new();
    loop {
        s.insert(0, char::from(b'A' + (i % 26) as u8));
        if i < 26 {
            return s;
        }
        i = i / 26 - 1;
    }
}

/// Reads the file and keeps it for the confirmation; a file that is no spreadsheet is refused
/// in one line on the inventory page.
async fn upload(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    form: Multipart,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let refuse = |e: FieldError| {
        let message = t.field_error(&e);
        crate::routes::inventory::render_inventory(
            &app,
            &t,
            &user,
            a.clone(),
            Default::default(),
            Default::default(),
            Default::default(),
            message,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let (name, bytes) =
        match crate::routes::evidence_form::the_file(form, app.config.max_upload_bytes).await {
            Ok(file) => file,
            Err(e) => return refuse(e).await,
        };
    let table = match read_rows(&bytes, MAX_ROWS) {
        Ok(t) => t,
        Err(e) => return refuse(e).await,
    };
    let sha = sha256_hex(&bytes);
    app.files.put(&sha, &bytes).await?;
    let mapping = guess_mapping(table.first().map_or(&[][..], Vec::as_slice));
    let name =
        anwei_domain::evidence::clean_file_name(&name).unwrap_or_else(|_| "inventory".into());
    preview(&app, &t, &user, a, sha, name, &table, mapping).await
}

/// The mapping as the preview form sends it (`map-name=0`, …), the file's name, and whether
/// to import.
fn read_form(body: &[u8], columns: usize) -> (Mapping, String, bool) {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let mut mapping: Mapping = [None; FIELDS.len()];
    let mut file_name = String::new();
    let mut confirm = false;
    for (k, v) in pairs {
        if let Some(field) = k.strip_prefix("map-") {
            if let Some(i) = FIELDS.iter().position(|(f, _)| *f == field) {
                mapping[i] = v.parse::<usize>().ok().filter(|c| *c < columns);
            }
        } else if k == "file_name" {
            file_name = v;
        } else if k == "confirm" {
            confirm = true;
        }
    }
    (mapping, file_name, confirm)
}

async fn stored_table(app: &AppState, sha: &str) -> Result<Rows, AppError> {
    let bytes = app.files.get(sha).await.map_err(|_| AppError::NotFound)?;
    if sha256_hex(&bytes) != sha {
        return Err(AppError::Tampered);
    }
    Ok(read_rows(&bytes, MAX_ROWS)?)
}

/// Shows the preview again with the user's mapping, or imports the valid rows.
async fn review(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Path((_, sha)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let table = stored_table(&app, &sha).await?;
    let width = table.iter().map(Vec::len).max().unwrap_or(0);
    let (mapping, file_name, confirm) = read_form(&body, width);
    if !confirm || check_mapping(&mapping).is_err() {
        return preview(&app, &t, &user, a, sha, file_name, &table, mapping).await;
    }
    let rows = checked(&app, &a, &table, &mapping).await?;
    let valid: Vec<&AssetInput> = rows.iter().filter_map(|(_, r)| r.as_ref().ok()).collect();
    if valid.is_empty() {
        return preview(&app, &t, &user, a, sha, file_name, &table, mapping).await;
    }
    let valid: Vec<AssetInput> = valid.into_iter().cloned().collect();
    let refused = rows.len() - valid.len();
    let id =
        anwei_app::inventory::start_import(app.cx(), &user.actor, &a, valid.len(), refused).await?;
    let task = tokio::spawn(anwei_app::inventory::run_import(
        app.store.clone(),
        user.actor.clone(),
        a.id,
        id,
        valid,
        (file_name, sha),
        app.clock.now(),
    ));
    // most imports are done before anyone would read a progress page; a long one shows it
    if tokio::time::timeout(PROGRESS_AFTER, task).await.is_err() {
        return Ok(redirect(&format!(
            "/agencies/{}/assets/import/progress/{id}",
            a.code
        )));
    }
    follow(&app, &t, &user, &a, id).await
}

/// How long the confirming request waits for an import before showing its progress instead.
const PROGRESS_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

#[derive(Template)]
#[template(path = "asset_import_progress.html")]
struct ProgressPage<'a> {
    t: &'a Locale,
    c: Chrome,
    a: AgencyScope,
    written: i64,
    total: i64,
    error: String,
}

/// Where an import stands: finished, to the register with its counts; failed, the reason;
/// running, a page that reloads itself every second with how many rows are written.
async fn follow(
    app: &AppState,
    t: &Locale,
    user: &CurrentUser,
    a: &AgencyScope,
    id: uuid::Uuid,
) -> Result<Response, AppError> {
    let state = app.store.import_job(&user.actor, a.id, id).await?;
    let Some(state) = state else {
        return Ok(redirect(&format!("/agencies/{}/assets", a.code)));
    };
    let page = |error: String| ProgressPage {
        c: Chrome::for_user(app, t, user, &format!("/agencies/{}/assets", a.code)),
        written: state.written,
        total: state.total,
        error,
        t,
        a: a.clone(),
    };
    match state.outcome() {
        Some(Ok(added)) => Ok(redirect(&format!(
            "/agencies/{}/assets?imported={added}&refused={}",
            a.code, state.refused
        ))),
        Some(Err(key)) => Ok((StatusCode::CONFLICT, render(&page(t.t(key)))?).into_response()),
        None => Ok((
            [(axum::http::header::REFRESH, "1")],
            render(&page(String::new()))?,
        )
            .into_response()),
    }
}

async fn progress(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let id = uuid::Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    follow(&app, &t, &user, &a, id).await
}

/// `errors.xlsx` (or .ods, .csv): the refused rows as they were, with what is wrong, to fix and
/// import again.
async fn error_report(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    Path((_, sha, file)): Path<(String, String, String)>,
    axum::extract::Query(q): axum::extract::Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    use anwei_docs::Format::{Csv, Ods, Xlsx};
    let format = crate::pages::format_of(&file, "errors", &[Xlsx, Ods, Csv])?;
    let table = stored_table(&app, &sha).await?;
    let width = table.iter().map(Vec::len).max().unwrap_or(0);
    let body = serde_urlencoded::to_string(&q).unwrap_or_default();
    let (mapping, _, _) = read_form(body.as_bytes(), width);
    check_mapping(&mapping)?;
    let rows = checked(&app, &a, &table, &mapping).await?;
    let refused: Vec<_> = rows
        .iter()
        .filter_map(|(line, r)| r.as_ref().err().map(|e| (line, e)))
        .map(|(line, errors)| {
            let original = table.get(line - 1).cloned().unwrap_or_default();
            (*line, original, messages(&t, errors).join("；"))
        })
        .collect();
    let header = table.first().cloned().unwrap_or_default();
    let doc = anwei_app::documents::import_errors(&t, header, width, refused);
    crate::pages::deliver(&doc, format, &t.t("import-error-report"), &a.name)
}
