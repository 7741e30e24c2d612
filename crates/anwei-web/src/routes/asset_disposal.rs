//! 資訊及資通系統之刪除或汰除 (安維計畫 玖.一.(三)): retiring an asset records why, how its data
//! was removed, by whom and when, with the proof (a file or a link kept as the agency's
//! evidence); the asset is then marked disposed. Only the 承辦人 records it, once.

use crate::auth::CurrentUser;
use crate::error::{AppError, redirect};
use crate::i18n::{FormErrors, Locale};
use crate::routes::evidence_form::parse_upload;
use crate::routes::inventory::{DisposalForm, find_asset, render_asset};
use crate::scope::{Scoped, need};
use crate::state::AppState;
use anwei_domain::asset::Disposal;
use anwei_domain::roc::RocDate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;

pub fn router(max_upload: usize) -> Router<AppState> {
    Router::new().route(
        "/agencies/{code}/assets/{id}/dispose",
        post(dispose).layer(DefaultBodyLimit::max(max_upload + 64 * 1024)),
    )
}

async fn dispose(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Path((_, id)): Path<(String, String)>,
    form: Multipart,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let asset = find_asset(&app, &a, &id).await?;
    let today = RocDate::of_instant(app.clock.now()).date();
    let (upload, fields, mut errors) = match parse_upload(&app, form).await? {
        Ok(u) => {
            let fields = crate::routes::evidence_form::EvidenceFields {
                extra: u.extra.clone(),
                ..Default::default()
            };
            (Some(u), fields, Vec::new())
        }
        Err((fields, errors)) => (None, fields, errors),
    };
    let disposal = Disposal::parse(
        fields.extra("disposed_on"),
        fields.extra("reason"),
        fields.extra("method"),
        fields.extra("performed_by"),
        today,
    )
    .map_err(|e| errors.extend(e))
    .ok();
    let (Some(upload), Some(disposal), true) = (upload, disposal, errors.is_empty()) else {
        let raw = crate::routes::inventory::raw_of(&asset);
        return render_asset(
            &app,
            &t,
            &user,
            a,
            asset,
            raw,
            FormErrors::default(),
            String::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
            DisposalForm {
                errors: FormErrors::from_fields_in(&t, &errors, "dispose"),
                fields,
            },
        )
        .await;
    };
    anwei_app::inventory::dispose(
        app.cx(),
        &user.actor,
        &a,
        &asset,
        &disposal,
        &upload.as_new(),
    )
    .await?;
    Ok(redirect(&format!(
        "/agencies/{}/assets/{}?notice=asset-disposed#disposal",
        a.code, asset.id
    )))
}
