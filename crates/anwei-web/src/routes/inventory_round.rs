//! The yearly inventory (安維計畫 柒.一): the 承辦人 opens the year's round; each custodian
//! confirms the assets in their care, correcting them first where needed; the 資通安全長 signs
//! it off once every asset is confirmed. The register as it then stands is frozen as an XLSX
//! (kept by its SHA-256) and attached to the year's inventory duty as its evidence.

use crate::auth::CurrentUser;
use crate::error::{AppError, redirect};
use crate::i18n::Locale;
use crate::routes::inventory::{can_edit, find_asset};
use crate::routes::this_year;
use crate::scope::{Scoped, need};
use crate::state::AppState;
use anwei_store::StoreError;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agencies/{code}/inventory-round", post(open))
        .route("/agencies/{code}/inventory-round/sign-off", post(sign_off))
        .route("/agencies/{code}/assets/{id}/confirm", post(confirm))
        .route(
            "/agencies/{code}/inventory-round/{year}/{file}",
            get(frozen_register),
        )
}

async fn open(
    scope: Scoped<need::ObligationManage>,
    State(app): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let a = scope.agency;
    app.store
        .open_inventory_round(&user.actor, a.id, this_year(&app), app.clock.now())
        .await?;
    Ok(redirect(&format!(
        "/agencies/{}/assets?notice=round-opened#round",
        a.code
    )))
}

async fn confirm(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    user: CurrentUser,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    let asset = find_asset(&app, &a, &id).await?;
    if !can_edit(&app, &user, &a, &asset) {
        return Err(AppError::Forbidden);
    }
    let round = app
        .store
        .inventory_round(&a, this_year(&app))
        .await?
        .ok_or(StoreError::WrongState("err-round-none"))?;
    app.store
        .confirm_asset(&user.actor, &round, &asset, app.clock.now())
        .await?;
    Ok(redirect(&format!(
        "/agencies/{}/assets?notice=asset-confirmed#round",
        a.code
    )))
}

/// Only the agency's 資通安全長, and only when every asset is confirmed.
async fn sign_off(
    scope: Scoped<need::ObligationApprove>,
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let a = scope.agency;
    anwei_app::inventory::sign_off_round(app.cx(), &t, &user.actor, &a).await?;
    Ok(redirect(&format!(
        "/agencies/{}/assets?notice=round-signed-off#round",
        a.code
    )))
}

/// `register.xlsx` of a signed-off year: the file as frozen, checked against its digest.
async fn frozen_register(
    scope: Scoped<need::ObligationRead>,
    State(app): State<AppState>,
    Path((_, year, file)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let a = scope.agency;
    if file != "register.xlsx" {
        return Err(AppError::NotFound);
    }
    let year: i32 = year.parse().map_err(|_| AppError::NotFound)?;
    let sha = app
        .store
        .inventory_round(&a, year)
        .await?
        .and_then(|r| r.snapshot_sha256)
        .ok_or(AppError::NotFound)?;
    crate::pages::frozen(
        &app,
        &sha,
        anwei_docs::Format::Xlsx,
        &format!("資訊及資通系統清冊-{}-{year}.xlsx", a.name),
    )
    .await
}
