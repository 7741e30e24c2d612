//! The yearly inventory (安維計畫 柒.一): the 承辦人 opens the year's round; each custodian
//! confirms the assets in their care, correcting them first where needed; the 資通安全長 signs
//! it off once every asset is confirmed. The register as it then stands is frozen as an XLSX
//! (kept by its SHA-256) and attached to the year's inventory duty as its evidence.

use crate::auth::CurrentUser;
use crate::error::{AppError, redirect};
use crate::i18n::Locale;
use crate::routes::agencies::agency_for;
use crate::routes::evidence_form::{Frozen, freeze_for_duty};
use crate::routes::inventory::{can_edit, find_asset, register_document};
use crate::routes::this_year;
use crate::state::AppState;
use anwei_domain::evidence::sha256_hex;
use anwei_domain::rbac::Permission;
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

/// The duty the signed-off round proves (obligations catalog).
const INVENTORY_DUTY: &str = "asset-inventory";

async fn open(
    State(app): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let a = agency_for(&app, &user, &code, Permission::ObligationManage).await?;
    app.store
        .open_inventory_round(&user.actor, a.id, this_year(&app), app.clock.now())
        .await?;
    Ok(redirect(&format!(
        "/agencies/{}/assets?notice=round-opened#round",
        a.code
    )))
}

async fn confirm(
    State(app): State<AppState>,
    user: CurrentUser,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let a = agency_for(&app, &user, &code, Permission::ObligationRead).await?;
    let asset = find_asset(&app, &a, &id).await?;
    if !can_edit(&app, &user, &a, &asset) {
        return Err(AppError::Forbidden);
    }
    let round = app
        .store
        .inventory_round(a.id, this_year(&app))
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
    State(app): State<AppState>,
    t: Locale,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let a = agency_for(&app, &user, &code, Permission::ObligationApprove).await?;
    let year = this_year(&app);
    let round = app
        .store
        .inventory_round(a.id, year)
        .await?
        .ok_or(StoreError::WrongState("err-round-none"))?;
    let assets = app.store.assets(a.id).await?;
    let confirmed = app.store.confirmed_assets(round.id).await?;
    if assets
        .iter()
        .any(|x| !confirmed.iter().any(|(id, _)| *id == x.id))
    {
        return Err(StoreError::WrongState("err-round-unconfirmed").into());
    }
    let now = app.clock.now();
    let doc = register_document(&app, &t, &a).await?;
    let bytes = anwei_docs::Format::Xlsx
        .render(&doc)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let sha = sha256_hex(&bytes);
    app.store
        .sign_off_inventory_round(&user.actor, &round, &sha, now)
        .await?;
    // the frozen register proves the year's inventory duty
    let title = t.f1("round-evidence", "year", &(year - 1911));
    let name = format!("inventory-{year}.xlsx");
    let frozen = Frozen {
        duty: INVENTORY_DUTY,
        year,
        title: &title,
        name: &name,
        format: anwei_docs::Format::Xlsx,
    };
    freeze_for_duty(&app, &user.actor, a.id, frozen, &bytes).await?;
    Ok(redirect(&format!(
        "/agencies/{}/assets?notice=round-signed-off#round",
        a.code
    )))
}

/// `register.xlsx` of a signed-off year: the file as frozen, checked against its digest.
async fn frozen_register(
    State(app): State<AppState>,
    user: CurrentUser,
    Path((code, year, file)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let a = agency_for(&app, &user, &code, Permission::ObligationRead).await?;
    if file != "register.xlsx" {
        return Err(AppError::NotFound);
    }
    let year: i32 = year.parse().map_err(|_| AppError::NotFound)?;
    let sha = app
        .store
        .inventory_round(a.id, year)
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
