//! A system's 附表十 controls: for each row its level requires, where it stands and a note. The
//! 承辦人 or the system's custodian keeps them current; each save is one audit event listing
//! what changed.

use crate::auth::CurrentUser;
use crate::error::{AppError, redirect};
use crate::routes::inventory::{can_edit, find_asset};
use crate::scope::{Scoped, need};
use crate::state::AppState;
use anwei_domain::FieldError;
use anwei_domain::agency::parse_line;
use anwei_domain::baseline::CONTROL_STATUSES;
use axum::Router;
use axum::extract::{Path, RawForm, State};
use axum::response::Response;
use axum::routing::post;

pub fn router() -> Router<AppState> {
    Router::new().route("/agencies/{code}/assets/{id}/controls", post(save))
}

/// `status-{key}` and `note-{key}` for each row shown.
async fn save(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    user: CurrentUser,
    Path((_, id)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let asset = find_asset(&app, &a, &id).await?;
    if !can_edit(&app, &user, &a, &asset) {
        return Err(AppError::Forbidden);
    }
    let level = asset
        .grade()
        .map(|g| g.level)
        .ok_or(anwei_store::StoreError::WrongState("err-not-graded"))?;
    let rows = app.catalog.baseline.rows_for(level);
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let value = |name: String| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    };
    let before = app.store.control_statuses(asset.id).await?;
    let mut changes = Vec::new();
    for r in rows {
        let Some(status) = value(format!("status-{}", r.key)) else {
            continue;
        };
        if !CONTROL_STATUSES.contains(&status.as_str()) {
            return Err(FieldError::new("status", "err-choice").into());
        }
        let note = parse_line(
            "note",
            &value(format!("note-{}", r.key)).unwrap_or_default(),
            0,
            200,
        )?;
        let unchanged = before
            .iter()
            .find(|b| b.control_key == r.key)
            .map_or(status == "not_started" && note.is_empty(), |b| {
                b.status == status && b.note == note
            });
        if !unchanged {
            changes.push((r.key.clone(), status, note));
        }
    }
    app.store
        .set_control_statuses(&user.actor, &asset, &changes, app.clock.now())
        .await?;
    Ok(redirect(&format!(
        "/agencies/{}/assets/{}?notice=asset-saved#controls",
        a.code, asset.id
    )))
}
