//! 危害國家資通安全產品 (資通安全管理法 §11): the inventory checked against the register, an
//! exception asked for by the 承辦人 and approved by the 資通安全長 and listed, a mismatch, the
//! administrator's import of the published register (all or nothing), and isolation.

use crate::support::*;
use reqwest::Method;
use serde_json::json;

const PAGE: &str = "/agencies/xiaying-es/restricted";

async fn add_asset(app: &TestApp, name: &str, kind: &str) -> String {
    let token = app.token_of("xiaying.officer").await;
    let r = app
        .bearer(
            Method::POST,
            &token,
            "/api/v1/agencies/xiaying-es/assets",
            Some(&json!({ "name": name, "kind": kind })),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn findings(app: &TestApp) -> Vec<anwei_store::restricted::FindingRow> {
    let a = app
        .store
        .agency_by_code(&anwei_store::Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    app.store.restricted_findings(&a).await.unwrap()
}

#[tokio::test]
async fn a_listed_product_is_found_excepted_by_the_ciso_and_listed() {
    let app = spawn_app().await;
    let mut officer = app.signed_in("xiaying.officer").await;
    let page = officer.get(PAGE).await;
    assert!(
        page.body.contains("id=\"no-matches\""),
        "the demo school is clean"
    );
    let deepseek = add_asset(&app, "DeepSeek 本機推論模型", "software").await;
    // people and data are not products; neither is a name that merely resembles one
    add_asset(&app, "抖音小編", "people").await;
    add_asset(&app, "深度學習教材", "software").await;
    let page = officer.get("/agencies/xiaying-es/assets").await;
    assert!(
        page.body.contains("1 項資產疑似危害國家資通安全產品"),
        "{}",
        page.body
    );
    let page = officer.get(PAGE).await;
    assert!(page.body.contains("DeepSeek 本機推論模型"));
    assert!(!page.body.contains("抖音小編"));
    assert!(!page.body.contains("深度學習教材"));
    assert!(page.body.contains("不得使用：請移除或申請專案使用"));

    // an exception without a reason or the authority's reference: refused beside the fields
    let before = app.audit_count().await;
    let r = officer
        .post(
            &format!("{PAGE}/record"),
            &[
                ("asset", &deepseek),
                ("product", "deepseek"),
                ("index", "0"),
                ("resolution", "exception"),
                ("reason", ""),
                ("authority_ref", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"f0-reason-error\""), "{}", r.body);
    assert!(r.body.contains("id=\"f0-authority_ref-error\""));
    assert!(findings(&app).await.is_empty());
    assert_eq!(app.audit_count().await, before);
    // a pair that is no match is refused
    let r = officer
        .post(
            &format!("{PAGE}/record"),
            &[
                ("asset", &deepseek),
                ("product", "douyin"),
                ("resolution", "mismatch"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, 409);
    let r = officer
        .post(
            &format!("{PAGE}/record"),
            &[
                ("asset", &deepseek),
                ("product", "deepseek"),
                ("index", "0"),
                ("resolution", "exception"),
                (
                    "reason",
                    "資訊課程比較國內外生成式 AI，無其他替代方案，限單機離線使用",
                ),
                ("authority_ref", "南市教資字第1150000001號"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = officer.get(PAGE).await;
    assert!(page.body.contains("專案使用待資通安全長核可"));
    let id = findings(&app).await[0].id;
    let r = officer.post(&format!("{PAGE}/{id}/approve"), &[]).await;
    assert_eq!(r.status, 403, "only the CISO approves");

    // another agency sees none of it and cannot touch it under its own code
    let mut other = app.signed_in("tuku.officer").await;
    assert_eq!(other.get(PAGE).await.status, 404);
    let r = other
        .post(&format!("/agencies/tuku-es/restricted/{id}/withdraw"), &[])
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(findings(&app).await.len(), 1);

    let mut ciso = app.signed_in("xiaying.principal").await;
    ciso.get(PAGE).await;
    let r = ciso.post(&format!("{PAGE}/{id}/approve"), &[]).await;
    assert_eq!(r.status, 303);
    let r = ciso.post(&format!("{PAGE}/{id}/approve"), &[]).await;
    assert_eq!(r.status, 409, "approved once");
    let page = officer.get(PAGE).await;
    assert!(page.body.contains("已核可專案使用（列冊管理）"));
    let page = officer.get("/agencies/xiaying-es/assets").await;
    assert!(!page.body.contains("疑似危害國家資通安全產品"));

    // the list the Act asks for, in every spreadsheet format
    for ext in ["xlsx", "ods"] {
        let (status, _, bytes) = officer.get_bytes(&format!("{PAGE}/exceptions.{ext}")).await;
        assert_eq!(status, 200);
        let rows = crate::training::sheet_rows(&bytes, "專案使用清冊");
        assert_eq!(rows.len(), 2, "{ext}: {rows:?}");
        assert_eq!(rows[1][0], "DeepSeek 本機推論模型");
        assert_eq!(rows[1][6], "南市教資字第1150000001號");
        assert!(rows[1][8].starts_with("xiaying.principal"), "{rows:?}");
    }
    let (status, _, csv) = officer.get_bytes(&format!("{PAGE}/exceptions.csv")).await;
    assert_eq!(status, 200);
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));

    // withdrawn, the asset is a violation again
    let r = officer.post(&format!("{PAGE}/{id}/withdraw"), &[]).await;
    assert_eq!(r.status, 303);
    assert!(findings(&app).await.is_empty());
    for action in [
        "restricted.exception.request",
        "restricted.exception.approve",
        "restricted.withdraw",
    ] {
        assert!(!app.events(action).await.is_empty(), "{action}");
    }
    // once the asset is returned, nothing matches
    let token = app.token_of("xiaying.officer").await;
    app.bearer(
        Method::PATCH,
        &token,
        &format!("/api/v1/agencies/xiaying-es/assets/{deepseek}"),
        Some(&json!({ "status": "returned" })),
    )
    .await;
    assert!(officer.get(PAGE).await.body.contains("id=\"no-matches\""));
}

#[tokio::test]
async fn an_administrator_imports_the_published_register() {
    let app = spawn_app().await;
    let mut officer = app.signed_in("xiaying.officer").await;
    let page = officer.get("/restricted-products").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("DeepSeek"), "the catalog's entries");
    assert!(!page.body.contains("id=\"import-register\""));
    let good = "廠牌,產品,別名,公告日期,依據\n\
                甲通訊,甲牌網路攝影機,JiaCam,115/03/01,數位發展部公告\n\
                乙科技,,,46054,數位發展部公告\n";
    let r = officer
        .post_multipart(
            "/restricted-products/import",
            &[],
            Some(("register.csv", good.as_bytes())),
        )
        .await;
    assert_eq!(r.status, 403, "only an administrator");

    let mut admin = app.admin().await;
    admin.get("/restricted-products").await;
    // one bad row: nothing is imported, every problem is listed with its line
    let bad = "廠牌,產品,公告日期\n甲通訊,甲牌網路攝影機,115/03/01\n,無廠牌產品,\n乙科技,乙軟體,115/13/01\n";
    let r = admin
        .post_multipart(
            "/restricted-products/import",
            &[],
            Some(("register.csv", bad.as_bytes())),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("第 3 列"), "{}", r.body);
    assert!(r.body.contains("第 4 列"));
    assert!(app.store.restricted_products().await.unwrap().is_empty());
    let r = admin
        .post_multipart(
            "/restricted-products/import",
            &[],
            Some(("picture.csv", b"\x89PNG\r\n\x1a\n\0\0")),
        )
        .await;
    assert_eq!(r.status, 422);
    // the register as published
    let r = admin
        .post_multipart(
            "/restricted-products/import",
            &[],
            Some(("register.csv", good.as_bytes())),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.location().contains("added=2"));
    let page = admin.get("/restricted-products").await;
    assert!(page.body.contains("甲牌網路攝影機"));
    assert!(page.body.contains("該廠牌全部產品"));
    let r = admin
        .post_multipart(
            "/restricted-products/import",
            &[],
            Some(("register.csv", good.as_bytes())),
        )
        .await;
    assert!(
        r.location().contains("added=0&replaced=2"),
        "{}",
        r.location()
    );

    // the school's inventory now matches: a camera by name, and every product of 乙科技
    add_asset(&app, "川堂 JiaCam 攝影機", "hardware").await;
    let printer = add_asset(&app, "乙科技多功能事務機", "hardware").await;
    let page = officer.get(PAGE).await;
    assert!(page.body.contains("川堂 JiaCam 攝影機"), "{}", page.body);
    assert!(page.body.contains("乙科技多功能事務機"));
    // a mismatch needs a reason but no authority's reference
    let index = if page.body.find("川堂").unwrap() < page.body.find("乙科技多").unwrap() {
        "1"
    } else {
        "0"
    };
    let key = anwei_domain::restricted::RestrictedProduct::key_of("乙科技", "");
    let r = officer
        .post(
            &format!("{PAGE}/record"),
            &[
                ("asset", &printer),
                ("product", &key),
                ("index", index),
                ("resolution", "mismatch"),
                ("reason", "為臺灣乙科技股份有限公司產品，與公告之乙科技無關"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = officer.get(PAGE).await;
    assert!(page.body.contains("經查非屬該產品"));
    assert!(!app.events("restricted.mismatch").await.is_empty());

    // removed from the register: its matches go with it
    let camera_key =
        anwei_domain::restricted::RestrictedProduct::key_of("甲通訊", "甲牌網路攝影機");
    let r = admin
        .post(
            &format!("/restricted-products/{}/remove", urlencoding(&camera_key)),
            &[],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(!officer.get(PAGE).await.body.contains("川堂 JiaCam 攝影機"));
    for action in ["restricted.import", "restricted.remove"] {
        assert!(!app.events(action).await.is_empty(), "{action}");
    }
}

/// Percent-encodes a path segment.
fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
