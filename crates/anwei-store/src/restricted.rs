//! The imported register of 危害國家資通安全產品 and what each agency recorded about its matches.
//! The register is shared by every agency (it is the ministry's), so its writes carry no agency;
//! a finding belongs to one agency and is read and written only with that agency's id.

use crate::agencies::AgencyScope;
use crate::audit::{Change, append};
use crate::db::{on_db, on_tx};
use crate::{Actor, Result, Store, StoreError};
use anwei_domain::restricted::RestrictedProduct;
use serde::Serialize;
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct RestrictedProductRow {
    pub key: String,
    pub vendor: String,
    pub product: String,
    pub aliases: String,
    pub listed_on: Option<Date>,
    pub source: String,
    pub imported_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub imported_at: OffsetDateTime,
}

/// Aliases are kept joined by this.
const ALIAS_SEPARATOR: &str = "、";

impl RestrictedProductRow {
    pub fn product(&self) -> RestrictedProduct {
        RestrictedProduct {
            key: self.key.clone(),
            vendor: self.vendor.clone(),
            product: self.product.clone(),
            aliases: self
                .aliases
                .split(ALIAS_SEPARATOR)
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect(),
            listed_on: self.listed_on,
            source: self.source.clone(),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct FindingRow {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub asset_id: Uuid,
    pub product_key: String,
    pub resolution: String,
    pub reason: String,
    pub authority_ref: String,
    pub recorded_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    pub approved_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub approved_at: Option<OffsetDateTime>,
}

/// What the 承辦人 records about a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The asset is not the product (a name that merely contains it).
    Mismatch,
    /// 專案使用: a business need without alternative; the 資通安全長 approves.
    Exception,
}

impl Resolution {
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Mismatch => "mismatch",
            Resolution::Exception => "exception",
        }
    }
}

const FINDING_COLUMNS: &str =
    "id, agency_id, asset_id, product_key, resolution, reason, authority_ref,
    recorded_by, recorded_at, approved_by, approved_at";

impl Store {
    /// The imported entries, by vendor.
    pub async fn restricted_products(&self) -> Result<Vec<RestrictedProductRow>> {
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT key, vendor, product, aliases, listed_on, source, imported_by, imported_at
             FROM restricted_product ORDER BY vendor, product")
            .fetch_all(p).await)?;
        Ok(rows)
    }

    /// Imports a register: new entries are added, known ones (same vendor and product) replaced;
    /// one transaction and one audit event naming the file's digest. Returns (added, replaced).
    pub async fn import_restricted_products(
        &self,
        actor: &Actor,
        products: &[RestrictedProduct],
        file_sha256: &str,
        now: OffsetDateTime,
    ) -> Result<(usize, usize)> {
        let mut tx = self.begin().await?;
        let (mut added, mut replaced) = (0, 0);
        for p in products {
            let n = on_tx!(&mut tx, c => sqlx::query(
                "UPDATE restricted_product SET vendor = $1, product = $2, aliases = $3, listed_on = $4,
                    source = $5, imported_by = $6, imported_at = $7 WHERE key = $8")
                .bind(&p.vendor).bind(&p.product).bind(p.aliases.join(ALIAS_SEPARATOR))
                .bind(p.listed_on).bind(&p.source).bind(&actor.label).bind(now).bind(&p.key)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
            if n == 1 {
                replaced += 1;
                continue;
            }
            on_tx!(&mut tx, c => sqlx::query(
                "INSERT INTO restricted_product (key, vendor, product, aliases, listed_on, source,
                    imported_by, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(&p.key).bind(&p.vendor).bind(&p.product).bind(p.aliases.join(ALIAS_SEPARATOR))
                .bind(p.listed_on).bind(&p.source).bind(&actor.label).bind(now)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
            added += 1;
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id: None,
                action: "restricted.import",
                target: "restricted_product".into(),
                before: None,
                after: Some(json!({
                    "file_sha256": file_sha256, "added": added, "replaced": replaced,
                    "keys": products.iter().map(|p| p.key.as_str()).collect::<Vec<_>>(),
                })),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((added, replaced))
    }

    /// Removes an imported entry (one withdrawn from the published register).
    pub async fn remove_restricted_product(
        &self,
        actor: &Actor,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let before: Option<RestrictedProductRow> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT key, vendor, product, aliases, listed_on, source, imported_by, imported_at
             FROM restricted_product WHERE key = $1")
            .bind(key).fetch_optional(&mut **c).await)?;
        let before = before.ok_or(StoreError::NotFound)?;
        on_tx!(&mut tx, c => sqlx::query("DELETE FROM restricted_product WHERE key = $1")
            .bind(key).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: None,
                action: "restricted.remove",
                target: format!("restricted_product:{key}"),
                before: Some(json!({ "vendor": before.vendor, "product": before.product })),
                after: None,
            },
            now,
        )
        .await?;
        tx.commit().await
    }

    /// What an agency recorded about its matches.
    pub async fn restricted_findings(&self, scope: &AgencyScope) -> Result<Vec<FindingRow>> {
        let agency_id = scope.id;
        let sql = format!(
            "SELECT {FINDING_COLUMNS} FROM restricted_finding WHERE agency_id = $1 ORDER BY recorded_at"
        );
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(agency_id).fetch_all(p).await)?;
        Ok(rows)
    }

    pub async fn restricted_finding(
        &self,
        scope: &AgencyScope,
        id: Uuid,
    ) -> Result<Option<FindingRow>> {
        let agency_id = scope.id;
        let sql = format!(
            "SELECT {FINDING_COLUMNS} FROM restricted_finding WHERE agency_id = $1 AND id = $2"
        );
        let row = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(agency_id).bind(id).fetch_optional(p).await)?;
        Ok(row)
    }

    /// Records a mismatch or asks for an exception for one asset and product; once per pair.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_finding(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        asset_id: Uuid,
        product_key: &str,
        resolution: Resolution,
        reason: &str,
        authority_ref: &str,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO restricted_finding (id, agency_id, asset_id, product_key, resolution, reason,
                authority_ref, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(id).bind(agency_id).bind(asset_id).bind(product_key).bind(resolution.as_str())
            .bind(reason).bind(authority_ref).bind(&actor.label).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))
            .map_err(|e| match StoreError::unique(e, "asset") {
                StoreError::Conflict { .. } => StoreError::WrongState("err-finding-exists"),
                other => other,
            })?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(agency_id),
                action: match resolution {
                    Resolution::Mismatch => "restricted.mismatch",
                    Resolution::Exception => "restricted.exception.request",
                },
                target: format!("asset:{asset_id}"),
                before: None,
                after: Some(json!({
                    "product": product_key, "reason": reason, "authority_ref": authority_ref,
                })),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The 資通安全長 approves an exception (the caller checks who acts).
    pub async fn approve_finding(
        &self,
        actor: &Actor,
        f: &FindingRow,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE restricted_finding SET approved_by = $1, approved_at = $2
             WHERE id = $3 AND agency_id = $4 AND resolution = 'exception' AND approved_at IS NULL")
            .bind(&actor.label).bind(now).bind(f.id).bind(f.agency_id)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n != 1 {
            return Err(StoreError::WrongState("err-finding-not-pending"));
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(f.agency_id),
                action: "restricted.exception.approve",
                target: format!("asset:{}", f.asset_id),
                before: None,
                after: Some(json!({ "product": f.product_key, "authority_ref": f.authority_ref })),
            },
            now,
        )
        .await?;
        tx.commit().await
    }

    /// Withdraws what was recorded (the asset is checked again).
    pub async fn withdraw_finding(
        &self,
        actor: &Actor,
        f: &FindingRow,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query("DELETE FROM restricted_finding WHERE id = $1 AND agency_id = $2")
            .bind(f.id).bind(f.agency_id).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(f.agency_id),
                action: "restricted.withdraw",
                target: format!("asset:{}", f.asset_id),
                before: Some(json!({
                    "product": f.product_key, "resolution": f.resolution, "reason": f.reason,
                    "approved_by": f.approved_by,
                })),
                after: None,
            },
            now,
        )
        .await?;
        tx.commit().await
    }
}
