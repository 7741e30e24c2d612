//! 危害國家資通安全產品 (Act §11): which of an agency's assets name a listed product, and where
//! each stands (a violation, an exception waiting for the 資通安全長, approved, or not the product
//! after all). The inventory's warning, the agency's check page and its exported list all read it
//! here.

use crate::Result;
use anwei_domain::asset::{AssetKind, AssetStatus};
use anwei_domain::catalog::Catalog;
use anwei_domain::restricted::{RestrictedProduct, check_inventory};
use anwei_store::Store;
use anwei_store::agencies::AgencyScope;
use anwei_store::assets::AssetRow;
use anwei_store::restricted::{FindingRow, Resolution};
use uuid::Uuid;

/// An entry of the register as shown, with where it comes from.
pub struct Entry {
    pub product: RestrictedProduct,
    pub imported: bool,
    pub imported_by: String,
}

/// The register: the catalog's entries, then the imported ones (an import may replace a
/// catalog entry's text only under its own key).
pub async fn register(store: &Store, catalog: &Catalog) -> Result<Vec<Entry>> {
    let mut all: Vec<Entry> = catalog
        .restricted
        .products
        .iter()
        .map(|p| Entry {
            product: p.clone(),
            imported: false,
            imported_by: String::new(),
        })
        .collect();
    for row in store.restricted_products().await? {
        all.push(Entry {
            product: row.product(),
            imported: true,
            imported_by: row.imported_by,
        });
    }
    Ok(all)
}

/// One asset that names a product, and what the agency recorded about it.
pub struct Match {
    pub index: usize,
    pub asset: AssetRow,
    pub product: RestrictedProduct,
    pub finding: Option<FindingRow>,
    /// violation, pending, approved or mismatch
    pub state: &'static str,
}

/// Still a violation, or an exception the 資通安全長 has not approved.
pub fn unresolved(state: &str) -> bool {
    matches!(state, "violation" | "pending")
}

pub fn state_of(f: Option<&FindingRow>) -> &'static str {
    match f {
        None => "violation",
        Some(f) if f.resolution == Resolution::Mismatch.as_str() => "mismatch",
        Some(f) if f.approved_at.is_some() => "approved",
        Some(_) => "pending",
    }
}

/// Every match among an agency's assets — `keys` are (id, kind, in use, name) — as (asset
/// index, product index, what the agency recorded), with the products matched against.
async fn pairs(
    store: &Store,
    catalog: &Catalog,
    a: &AgencyScope,
    keys: &[(Uuid, AssetKind, bool, &str)],
) -> Result<
    (
        Vec<RestrictedProduct>,
        Vec<(usize, usize, Option<FindingRow>)>,
    ),
    crate::Error,
> {
    let products: Vec<RestrictedProduct> = register(store, catalog)
        .await?
        .into_iter()
        .map(|e| e.product)
        .collect();
    let names: Vec<(AssetKind, bool, &str)> = keys
        .iter()
        .map(|(_, kind, in_use, name)| (*kind, *in_use, *name))
        .collect();
    let findings = store.restricted_findings(a).await?;
    let found = check_inventory(&products, &names)
        .into_iter()
        .map(|(ai, pi)| {
            let finding = findings
                .iter()
                .find(|f| f.asset_id == keys[ai].0 && f.product_key == products[pi].key)
                .cloned();
            (ai, pi, finding)
        })
        .collect();
    Ok((products, found))
}

/// Every match of the agency's inventory, in the inventory's order.
pub async fn matches(store: &Store, catalog: &Catalog, a: &AgencyScope) -> Result<Vec<Match>> {
    let assets: Vec<AssetRow> = store.assets(a).await?;
    let keys: Vec<(Uuid, AssetKind, bool, &str)> = assets
        .iter()
        .map(|x| {
            (
                x.id,
                x.kind,
                x.status == AssetStatus::InUse,
                x.name.as_str(),
            )
        })
        .collect();
    let (products, found) = pairs(store, catalog, a, &keys).await?;
    Ok(found
        .into_iter()
        .enumerate()
        .map(|(index, (ai, pi, finding))| Match {
            index,
            state: state_of(finding.as_ref()),
            asset: assets[ai].clone(),
            product: products[pi].clone(),
            finding,
        })
        .collect())
}

/// How many of the agency's assets name a product and are not resolved (the inventory page's
/// warning), from names alone: the page does not read the whole register for it.
pub async fn unresolved_count(store: &Store, catalog: &Catalog, a: &AgencyScope) -> Result<usize> {
    let rows = store.asset_keys(a).await?;
    let keys: Vec<(Uuid, AssetKind, bool, &str)> = rows
        .iter()
        .map(|r| {
            (
                r.id,
                r.kind,
                r.status == AssetStatus::InUse,
                r.name.as_str(),
            )
        })
        .collect();
    let (_, found) = pairs(store, catalog, a, &keys).await?;
    Ok(found
        .iter()
        .filter(|(_, _, f)| unresolved(state_of(f.as_ref())))
        .count())
}
