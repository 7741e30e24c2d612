//! The inventory. Every write carries its audit event in the same transaction; a custodian's
//! right to change their own assets is decided by the caller, which passes the actor.

use crate::agencies::AgencyScope;
use crate::audit::{Change, append};
use crate::db::{on_db, on_tx};
use crate::{Actor, Result, Store, StoreError};
use anwei_domain::asset::{
    AssetInput, AssetKind, AssetStatus, CoreSystemRule, Grade, Rating, grade,
};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct AssetRow {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: AssetKind,
    pub custodian: String,
    pub custodian_user_id: Option<Uuid>,
    pub owner_unit: String,
    pub location: String,
    pub supports_core_business: bool,
    pub centralised: bool,
    pub hosted_by: String,
    pub confidentiality: Option<i32>,
    pub integrity: Option<i32>,
    pub availability: Option<i32>,
    pub legality: Option<i32>,
    #[sqlx(try_from = "String")]
    pub status: AssetStatus,
    pub acquired_on: Option<time::Date>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl AssetRow {
    pub fn ratings(&self) -> [Option<Rating>; 4] {
        [
            self.confidentiality,
            self.integrity,
            self.availability,
            self.legality,
        ]
        .map(|r| r.and_then(Rating::from_number))
    }

    pub fn grade(&self) -> Option<Grade> {
        grade(self.ratings())
    }

    /// Whether it is a 核心資通系統 under the catalog's rule (施行細則 §10).
    pub fn is_core(&self, rule: CoreSystemRule) -> bool {
        rule.is_core(
            self.kind,
            self.supports_core_business,
            self.grade().as_ref(),
        )
    }

    /// The asset as recorded, for the audit chain (and as the base of the API's view, which adds
    /// what follows from the catalog's rules): the facts, never what is derived from them.
    pub fn to_json(&self) -> serde_json::Value {
        let rating = |r: Option<i32>| r.and_then(Rating::from_number).map(Rating::as_str);
        json!({
            "id": self.id,
            "name": self.name,
            "kind": self.kind.as_str(),
            "custodian": self.custodian,
            "owner_unit": self.owner_unit,
            "location": self.location,
            "supports_core_business": self.supports_core_business,
            "centralised": self.centralised,
            "hosted_by": self.hosted_by,
            "confidentiality": rating(self.confidentiality),
            "integrity": rating(self.integrity),
            "availability": rating(self.availability),
            "legality": rating(self.legality),
            "status": self.status.as_str(),
            "acquired_on": self.acquired_on.map(|d| d.to_string()),
            "created_at": crate::rfc3339(self.created_at),
            "updated_at": crate::rfc3339(self.updated_at),
        })
    }
}

/// The account a custodian's name designates: one of the agency's accounts whose username or
/// display name it is. Linked, the custodian may update the assets in their care.
pub fn custodian_account(users: &[crate::users::UserRow], custodian: &str) -> Option<Uuid> {
    if custodian.is_empty() {
        return None;
    }
    users
        .iter()
        .find(|u| u.username == custodian || u.display_name == custodian)
        .map(|u| u.id)
}

/// What the register page shows of the inventory: a text found in the name, custodian, unit or
/// location (case ignored), and only one custodian's assets.
#[derive(Debug, Clone, Default)]
pub struct AssetFilter {
    pub text: Option<String>,
    pub custodian_user_id: Option<Uuid>,
}

impl AssetFilter {
    /// The text as a LIKE pattern, its own `%`, `_` and `\` taken literally.
    fn pattern(&self) -> Option<String> {
        self.text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| {
                let escaped = t
                    .to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                format!("%{escaped}%")
            })
    }
}

const FILTER: &str = "agency_id = $1
    AND ($2 IS NULL OR LOWER(name) LIKE $2 ESCAPE '\\' OR LOWER(custodian) LIKE $2 ESCAPE '\\'
         OR LOWER(owner_unit) LIKE $2 ESCAPE '\\' OR LOWER(location) LIKE $2 ESCAPE '\\')
    AND ($3 IS NULL OR custodian_user_id = $3)";

/// How many assets share one make-up (see [`Store::asset_profile`]).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssetProfile {
    #[sqlx(try_from = "String")]
    pub kind: AssetKind,
    pub supports_core_business: bool,
    pub centralised: bool,
    pub confidentiality: Option<i32>,
    pub integrity: Option<i32>,
    pub availability: Option<i32>,
    pub legality: Option<i32>,
    pub n: i64,
}

impl AssetProfile {
    /// 施行細則 §10, as for one asset.
    pub fn is_core(&self, rule: CoreSystemRule) -> bool {
        let ratings = [
            self.confidentiality,
            self.integrity,
            self.availability,
            self.legality,
        ]
        .map(|r| r.and_then(Rating::from_number));
        rule.is_core(
            self.kind,
            self.supports_core_business,
            grade(ratings).as_ref(),
        )
    }
}

/// An asset's name, kind and state.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssetKey {
    pub id: Uuid,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: AssetKind,
    #[sqlx(try_from = "String")]
    pub status: AssetStatus,
}

const SELECT: &str = "SELECT id, agency_id, name, kind, custodian, custodian_user_id, owner_unit,
    location, supports_core_business, centralised, hosted_by, confidentiality, integrity,
    availability, legality, status, acquired_on, created_at, updated_at FROM asset";

fn audit_json(a: &AssetInput) -> serde_json::Value {
    json!({
        "name": a.name, "kind": a.kind.as_str(), "custodian": a.custodian,
        "owner_unit": a.owner_unit, "location": a.location,
        "supports_core_business": a.supports_core_business, "centralised": a.centralised,
        "hosted_by": a.hosted_by,
        "ratings": a.ratings.map(|r| r.map(Rating::as_str)),
        "status": a.status.as_str(),
        "acquired_on": a.acquired_on.map(|d| d.to_string()),
    })
}

impl Store {
    /// Adds an asset; a name the agency already uses is a conflict on `name`.
    pub async fn create_asset(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        a: &AssetInput,
        custodian_user_id: Option<Uuid>,
        now: OffsetDateTime,
    ) -> Result<AssetRow> {
        let id = Uuid::now_v7();
        let mut tx = self.begin().await?;
        let [c, i, av, l] = a.ratings.map(|r| r.map(Rating::number));
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO asset (id, agency_id, name, kind, custodian, custodian_user_id, owner_unit, location,
                supports_core_business, centralised, hosted_by, confidentiality, integrity, availability, legality,
                status, acquired_on, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)")
            .bind(id).bind(agency_id).bind(&a.name).bind(a.kind.as_str()).bind(&a.custodian)
            .bind(custodian_user_id).bind(&a.owner_unit).bind(&a.location)
            .bind(a.supports_core_business).bind(a.centralised).bind(&a.hosted_by)
            .bind(c).bind(i).bind(av).bind(l).bind(a.status.as_str()).bind(a.acquired_on).bind(now)
            .execute(&mut **conn).await.map(|r| r.rows_affected()))
            .map_err(|e| StoreError::unique(e, "name"))?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(agency_id),
                action: "asset.create",
                target: format!("asset:{id}"),
                before: None,
                after: Some(audit_json(a)),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(AssetRow {
            id,
            agency_id,
            name: a.name.clone(),
            kind: a.kind,
            custodian: a.custodian.clone(),
            custodian_user_id,
            owner_unit: a.owner_unit.clone(),
            location: a.location.clone(),
            supports_core_business: a.supports_core_business,
            centralised: a.centralised,
            hosted_by: a.hosted_by.clone(),
            confidentiality: c,
            integrity: i,
            availability: av,
            legality: l,
            status: a.status,
            acquired_on: a.acquired_on,
            created_at: now,
            updated_at: now,
        })
    }

    /// One page of the agency's assets by name that pass `filter`, and how many pass it in all:
    /// paged in SQL, so a register of tens of thousands costs one page (issue 22 item 11).
    pub async fn assets_page(
        &self,
        scope: &AgencyScope,
        filter: &AssetFilter,
        page: i64,
        per_page: i64,
    ) -> Result<(Vec<AssetRow>, i64)> {
        let agency_id = scope.id;
        let pattern = filter.pattern();
        let sql = format!("{SELECT} WHERE {FILTER} ORDER BY name LIMIT $4 OFFSET $5");
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(agency_id).bind(&pattern).bind(filter.custodian_user_id)
            .bind(per_page).bind((page - 1).max(0) * per_page).fetch_all(p).await)?;
        let count = format!("SELECT COUNT(*) FROM asset WHERE {FILTER}");
        let (total,): (i64,) = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(count))
            .bind(agency_id).bind(&pattern).bind(filter.custodian_user_id).fetch_one(p).await)?;
        Ok((rows, total))
    }

    /// The register's make-up in a few rows — how many assets share each kind, core-business
    /// flag, hosting and ratings — so that counts over the whole register (core systems by
    /// 施行細則 §10, which is applied in Rust) need no row of it.
    pub async fn asset_profile(&self, scope: &AgencyScope) -> Result<Vec<AssetProfile>> {
        let agency_id = scope.id;
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT kind, supports_core_business, centralised, confidentiality, integrity, availability, legality,
                    COUNT(*) AS n
             FROM asset WHERE agency_id = $1
             GROUP BY kind, supports_core_business, centralised, confidentiality, integrity, availability, legality")
            .bind(agency_id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Name, kind and state of every asset, for checks that match names (Act §11) without
    /// reading whole rows.
    pub async fn asset_keys(&self, scope: &AgencyScope) -> Result<Vec<AssetKey>> {
        let agency_id = scope.id;
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, name, kind, status FROM asset WHERE agency_id = $1 ORDER BY name")
            .bind(agency_id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Every asset of the agency, by name (for the page and the exports).
    pub async fn assets(&self, scope: &AgencyScope) -> Result<Vec<AssetRow>> {
        let agency_id = scope.id;
        let sql = format!("{SELECT} WHERE agency_id = $1 ORDER BY name");
        let rows = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(agency_id).fetch_all(p).await)?;
        Ok(rows)
    }

    pub async fn asset(&self, scope: &AgencyScope, id: Uuid) -> Result<Option<AssetRow>> {
        let agency_id = scope.id;
        let sql = format!("{SELECT} WHERE agency_id = $1 AND id = $2");
        let row = on_db!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(agency_id).bind(id).fetch_optional(p).await)?;
        Ok(row)
    }

    /// Replaces an asset's fields (the caller merged a partial change into the whole).
    pub async fn update_asset(
        &self,
        actor: &Actor,
        before: &AssetRow,
        a: &AssetInput,
        custodian_user_id: Option<Uuid>,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let [c, i, av, l] = a.ratings.map(|r| r.map(Rating::number));
        let n = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE asset SET name = $1, kind = $2, custodian = $3, custodian_user_id = $4, owner_unit = $5,
                location = $6, supports_core_business = $7, centralised = $8, hosted_by = $9,
                confidentiality = $10, integrity = $11, availability = $12, legality = $13, status = $14,
                updated_at = $15, acquired_on = $18
             WHERE id = $16 AND agency_id = $17")
            .bind(&a.name).bind(a.kind.as_str()).bind(&a.custodian).bind(custodian_user_id)
            .bind(&a.owner_unit).bind(&a.location).bind(a.supports_core_business).bind(a.centralised)
            .bind(&a.hosted_by).bind(c).bind(i).bind(av).bind(l).bind(a.status.as_str()).bind(now)
            .bind(before.id).bind(before.agency_id).bind(a.acquired_on)
            .execute(&mut **conn).await.map(|r| r.rows_affected()))
            .map_err(|e| StoreError::unique(e, "name"))?;
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(before.agency_id),
                action: "asset.update",
                target: format!("asset:{}", before.id),
                before: Some(before.to_json()),
                after: Some(audit_json(a)),
            },
            now,
        )
        .await?;
        tx.commit().await
    }

    pub async fn delete_asset(
        &self,
        actor: &Actor,
        before: &AssetRow,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => sqlx::query("DELETE FROM asset WHERE id = $1 AND agency_id = $2")
            .bind(before.id).bind(before.agency_id)
            .execute(&mut **conn).await.map(|r| r.rows_affected()))?;
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(before.agency_id),
                action: "asset.delete",
                target: format!("asset:{}", before.id),
                before: Some(before.to_json()),
                after: None,
            },
            now,
        )
        .await?;
        tx.commit().await
    }
}

/// What an import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub added: usize,
}

impl Store {
    /// Names of the agency's assets, to mark rows of an import that would duplicate one.
    pub async fn asset_names(
        &self,
        scope: &AgencyScope,
    ) -> Result<std::collections::HashSet<String>> {
        let agency_id = scope.id;
        let rows: Vec<(String,)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT name FROM asset WHERE agency_id = $1")
            .bind(agency_id).fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(n,)| n).collect())
    }

    /// Imports checked rows, each custodian linked to the account their name designates; see
    /// [`Store::import_assets`].
    pub async fn import_asset_inputs(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        inputs: Vec<AssetInput>,
        file: (&str, &str),
        now: OffsetDateTime,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<Imported> {
        let users = self.users_of_agency(actor, agency_id).await?;
        let rows: Vec<(AssetInput, Option<Uuid>)> = inputs
            .into_iter()
            .map(|a| {
                let account = custodian_account(&users, &a.custodian);
                (a, account)
            })
            .collect();
        self.import_assets(actor, agency_id, &rows, file, now, progress)
            .await
    }

    /// Adds the checked rows of an import in one transaction, with one audit event naming the
    /// file (by its SHA-256) and every asset added. A name taken meanwhile aborts it all.
    /// `progress` hears how many rows are written so far (a page shows it for long imports).
    pub async fn import_assets(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        rows: &[(AssetInput, Option<Uuid>)],
        (file_name, sha256): (&str, &str),
        now: OffsetDateTime,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<Imported> {
        const COLS: usize = 18;
        let mut tx = self.begin().await?;
        let mut written = 0;
        for chunk in rows.chunks(500) {
            let mut sql = String::from(
                "INSERT INTO asset (id, agency_id, name, kind, custodian, custodian_user_id, owner_unit, location,
                    supports_core_business, centralised, hosted_by, confidentiality, integrity, availability,
                    legality, status, acquired_on, created_at, updated_at) VALUES ",
            );
            for i in 0..chunk.len() {
                let b = i * COLS;
                if i > 0 {
                    sql.push_str(", ");
                }
                let params: Vec<String> = (1..=COLS).map(|k| format!("${}", b + k)).collect();
                sql.push_str(&format!("({}, ${})", params.join(", "), b + COLS));
            }
            on_tx!(&mut tx, c => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                for (a, custodian) in chunk {
                    let [cr, ir, ar, lr] = a.ratings.map(|r| r.map(Rating::number));
                    q = q.bind(Uuid::now_v7()).bind(agency_id).bind(&a.name).bind(a.kind.as_str())
                        .bind(&a.custodian).bind(*custodian).bind(&a.owner_unit).bind(&a.location)
                        .bind(a.supports_core_business).bind(a.centralised).bind(&a.hosted_by)
                        .bind(cr).bind(ir).bind(ar).bind(lr).bind(a.status.as_str()).bind(a.acquired_on)
                        .bind(now);
                }
                q.execute(&mut **c).await.map(|r| r.rows_affected())
            })
            .map_err(|e| StoreError::unique(e, "name"))?;
            written += chunk.len();
            progress(written);
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(agency_id),
                action: "asset.import",
                target: format!("agency:{agency_id}"),
                before: None,
                after: Some(json!({
                    "file": file_name, "sha256": sha256, "added": rows.len(),
                    "names": rows.iter().map(|(a, _)| a.name.as_str()).collect::<Vec<_>>(),
                })),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Imported { added: rows.len() })
    }
}

/// A year's inventory round.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct InventoryRoundRow {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub year: i32,
    pub opened_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    pub signed_off_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub signed_off_at: Option<OffsetDateTime>,
    pub snapshot_sha256: Option<String>,
}

impl Store {
    pub async fn inventory_round(
        &self,
        scope: &AgencyScope,
        year: i32,
    ) -> Result<Option<InventoryRoundRow>> {
        let agency_id = scope.id;
        let row = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, agency_id, year, opened_by, opened_at, signed_off_by, signed_off_at, snapshot_sha256
             FROM inventory_round WHERE agency_id = $1 AND year = $2")
            .bind(agency_id).bind(year).fetch_optional(p).await)?;
        Ok(row)
    }

    /// Opens the year's round; a second one for the same year is refused.
    pub async fn open_inventory_round(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        year: i32,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO inventory_round (id, agency_id, year, opened_by, opened_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id).bind(agency_id).bind(year).bind(&actor.label).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))
            .map_err(|e| match StoreError::unique(e, "year") {
                StoreError::Conflict { .. } => StoreError::WrongState("err-round-exists"),
                other => other,
            })?;
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(agency_id),
                action: "inventory.open",
                target: format!("inventory_round:{id}"),
                before: None,
                after: Some(json!({ "year": year })),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The assets confirmed in a round.
    /// How many assets the round has confirmed.
    pub async fn confirmed_count(&self, round_id: Uuid) -> Result<i64> {
        let (n,): (i64,) = on_db!(&self.db, p => sqlx::query_as(
            "SELECT COUNT(*) FROM inventory_confirmation WHERE round_id = $1")
            .bind(round_id).fetch_one(p).await)?;
        Ok(n)
    }

    /// Which of the agency's assets named from `first` to `last` (one page of the register,
    /// which is ordered by name) the round has confirmed.
    pub async fn confirmed_between(
        &self,
        round_id: Uuid,
        scope: &AgencyScope,
        first: &str,
        last: &str,
    ) -> Result<Vec<Uuid>> {
        let agency_id = scope.id;
        let rows: Vec<(Uuid,)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT c.asset_id FROM inventory_confirmation c JOIN asset a ON a.id = c.asset_id
             WHERE c.round_id = $1 AND a.agency_id = $2 AND a.name >= $3 AND a.name <= $4")
            .bind(round_id).bind(agency_id).bind(first).bind(last).fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    pub async fn confirmed_assets(&self, round_id: Uuid) -> Result<Vec<(Uuid, String)>> {
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT asset_id, confirmed_by FROM inventory_confirmation WHERE round_id = $1")
            .bind(round_id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// A custodian (or the 承辦人) confirms an asset as it now stands; refused once signed off.
    pub async fn confirm_asset(
        &self,
        actor: &Actor,
        round: &InventoryRoundRow,
        asset: &AssetRow,
        now: OffsetDateTime,
    ) -> Result<()> {
        if round.signed_off_at.is_some() {
            return Err(StoreError::WrongState("err-round-signed-off"));
        }
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO inventory_confirmation (round_id, asset_id, agency_id, confirmed_by, confirmed_at)
             SELECT $1, $2, $3, $4, $5 FROM inventory_round WHERE id = $1 AND agency_id = $3 AND signed_off_at IS NULL
             ON CONFLICT (round_id, asset_id) DO NOTHING")
            .bind(round.id).bind(asset.id).bind(asset.agency_id).bind(&actor.label).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n == 1 {
            append(
                &mut tx,
                actor,
                Change {
                    agency_id: Some(asset.agency_id),
                    action: "inventory.confirm",
                    target: format!("asset:{}", asset.id),
                    before: None,
                    after: Some(json!({ "year": round.year, "asset": asset.to_json() })),
                },
                now,
            )
            .await?;
        }
        tx.commit().await
    }
}

/// How an asset was retired.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct DisposalRow {
    pub asset_id: Uuid,
    pub disposed_on: time::Date,
    pub reason: String,
    pub method: String,
    pub performed_by: String,
    pub evidence_id: Option<Uuid>,
    pub recorded_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

impl Store {
    pub async fn disposal_of(&self, asset_id: Uuid) -> Result<Option<DisposalRow>> {
        let row = on_db!(&self.db, p => sqlx::query_as(
            "SELECT asset_id, disposed_on, reason, method, performed_by, evidence_id, recorded_by, recorded_at
             FROM asset_disposal WHERE asset_id = $1")
            .bind(asset_id).fetch_optional(p).await)?;
        Ok(row)
    }
}

/// Where one 附表十 control of a system stands.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ControlStatusRow {
    pub control_key: String,
    pub status: String,
    pub note: String,
    pub updated_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Store {
    pub async fn control_statuses(&self, asset_id: Uuid) -> Result<Vec<ControlStatusRow>> {
        let rows = on_db!(&self.db, p => sqlx::query_as(
            "SELECT control_key, status, note, updated_by, updated_at FROM asset_control WHERE asset_id = $1")
            .bind(asset_id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Saves the controls that changed (key, status, note), in one transaction with one audit
    /// event listing them.
    pub async fn set_control_statuses(
        &self,
        actor: &Actor,
        asset: &AssetRow,
        changes: &[(String, String, String)],
        now: OffsetDateTime,
    ) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for (key, status, note) in changes {
            on_tx!(&mut tx, c => sqlx::query(
                "INSERT INTO asset_control (asset_id, control_key, agency_id, status, note, updated_by, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (asset_id, control_key) DO UPDATE SET status = excluded.status, note = excluded.note,
                    updated_by = excluded.updated_by, updated_at = excluded.updated_at")
                .bind(asset.id).bind(key).bind(asset.agency_id).bind(status).bind(note)
                .bind(&actor.label).bind(now)
                .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        }
        append(
            &mut tx,
            actor,
            Change {
                agency_id: Some(asset.agency_id),
                action: "asset.controls",
                target: format!("asset:{}", asset.id),
                before: None,
                after: Some(json!(
                    changes
                        .iter()
                        .map(|(k, s, n)| json!({ "control": k, "status": s, "note": n }))
                        .collect::<Vec<_>>()
                )),
            },
            now,
        )
        .await?;
        tx.commit().await
    }
}

impl crate::Transaction {
    /// The 資通安全長 signs the round off; the frozen register's digest is recorded.
    pub async fn sign_off_inventory_round(
        &mut self,
        actor: &Actor,
        round: &InventoryRoundRow,
        snapshot_sha256: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let tx = &mut self.0;
        let n = on_tx!(&mut *tx, c => sqlx::query(
            "UPDATE inventory_round SET signed_off_by = $1, signed_off_at = $2, snapshot_sha256 = $3
             WHERE id = $4 AND signed_off_at IS NULL")
            .bind(&actor.label).bind(now).bind(snapshot_sha256).bind(round.id)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n != 1 {
            return Err(StoreError::WrongState("err-round-signed-off"));
        }
        append(
            &mut *tx,
            actor,
            Change {
                agency_id: Some(round.agency_id),
                action: "inventory.sign_off",
                target: format!("inventory_round:{}", round.id),
                before: None,
                after: Some(json!({ "year": round.year, "snapshot_sha256": snapshot_sha256 })),
            },
            now,
        )
        .await?;
        Ok(())
    }
}

impl crate::Transaction {
    /// Records the disposal and marks the asset disposed, in one transaction; an asset is
    /// disposed of once.
    pub async fn dispose_asset(
        &mut self,
        actor: &Actor,
        asset: &AssetRow,
        d: &anwei_domain::asset::Disposal,
        evidence_id: Option<Uuid>,
        now: OffsetDateTime,
    ) -> Result<()> {
        let tx = &mut self.0;
        on_tx!(&mut *tx, c => sqlx::query(
            "INSERT INTO asset_disposal (asset_id, agency_id, disposed_on, reason, method, performed_by,
                evidence_id, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(asset.id).bind(asset.agency_id).bind(d.disposed_on).bind(&d.reason)
            .bind(d.method.as_str()).bind(&d.performed_by).bind(evidence_id).bind(&actor.label).bind(now)
            .execute(&mut **c).await.map(|r| r.rows_affected()))
            .map_err(|e| match StoreError::unique(e, "asset") {
                StoreError::Conflict { .. } => StoreError::WrongState("err-already-disposed"),
                other => other,
            })?;
        on_tx!(&mut *tx, c => sqlx::query(
            "UPDATE asset SET status = 'disposed', updated_at = $1 WHERE id = $2 AND agency_id = $3")
            .bind(now).bind(asset.id).bind(asset.agency_id)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
        append(
            &mut *tx,
            actor,
            Change {
                agency_id: Some(asset.agency_id),
                action: "asset.dispose",
                target: format!("asset:{}", asset.id),
                before: Some(json!({ "status": asset.status.as_str() })),
                after: Some(
                    json!({ "status": "disposed", "disposed_on": d.disposed_on.to_string(),
                    "reason": d.reason, "method": d.method.as_str(), "performed_by": d.performed_by,
                    "evidence": evidence_id }),
                ),
            },
            now,
        )
        .await?;
        Ok(())
    }
}
