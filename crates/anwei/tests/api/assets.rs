//! 資訊及資通系統盤點 through the JSON API and the pages: grading, isolation, custodians' rights,
//! bad input with field paths, and the register in every spreadsheet format.

use crate::support::*;
use reqwest::Method;
use serde_json::json;

const BASE: &str = "/api/v1/agencies/xiaying-es/assets";

fn body(r: &Resp) -> serde_json::Value {
    serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("not JSON: {}", r.body))
}

#[tokio::test]
async fn the_api_creates_grades_pages_patches_and_deletes_assets() {
    let app = spawn_app().await;
    let token = app.token_of("xiaying.officer").await;
    let before = app.audit_count().await;
    let r = app
        .bearer(
            Method::POST,
            &token,
            BASE,
            Some(&json!({
                "name": "校園網路防火牆",
                "kind": "hardware",
                "custodian": "施昀豆",
                "confidentiality": "中",
                "integrity": "high",
                "availability": 2,
                "supports_core_business": true,
            })),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let created = body(&r);
    assert_eq!(created["level"], "high");
    assert_eq!(created["core_system"], false, "hardware is not a system");
    assert!(created["level_reason"].as_str().unwrap().contains("完整性"));
    assert_eq!(app.audit_count().await, before + 1);
    let id = created["id"].as_str().unwrap().to_string();
    // a system graded 高 is a core system (施行細則 §10)
    let r = app
        .bearer(
            Method::POST,
            &token,
            BASE,
            Some(&json!({ "name": "校務行政系統", "kind": "資通系統", "legality": "高" })),
        )
        .await;
    assert_eq!(body(&r)["core_system"], true);
    // pages: default 50, at most 500, the total
    for n in 0..12 {
        app.bearer(
            Method::POST,
            &token,
            BASE,
            Some(&json!({ "name": format!("教室電腦{n:02}"), "kind": "hardware" })),
        )
        .await;
    }
    let all = body(&app.bearer_get(&token, BASE).await);
    assert_eq!(all["total"], 14 + 8, "the demo's eight and these");
    assert_eq!(all["per_page"], 50);
    let page = body(
        &app.bearer_get(&token, &format!("{BASE}?page=2&per_page=10"))
            .await,
    );
    assert_eq!(page["items"].as_array().unwrap().len(), 10);
    assert_eq!(page["page"], 2);
    for bad in ["per_page=501", "per_page=0", "page=x"] {
        let r = app.bearer_get(&token, &format!("{BASE}?{bad}")).await;
        assert_eq!(r.status, 422, "{bad}");
        assert!(
            body(&r)["fields"][0]["field"].is_string(),
            "{bad}: {}",
            r.body
        );
    }
    // PATCH changes only what it names
    let r = app
        .bearer(
            Method::PATCH,
            &token,
            &format!("{BASE}/{id}"),
            Some(&json!({ "integrity": "普", "location": "電腦教室" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let patched = body(&r);
    assert_eq!(patched["level"], "medium");
    assert_eq!(patched["custodian"], "施昀豆");
    assert_eq!(patched["location"], "電腦教室");
    // bad input: every field named, nothing written
    let before = app.audit_count().await;
    let r = app
        .bearer(
            Method::POST,
            &token,
            BASE,
            Some(
                &json!({ "name": "", "kind": "cloud", "confidentiality": "極高", "colour": "red" }),
            ),
        )
        .await;
    assert_eq!(r.status, 422);
    let fields: Vec<String> = body(&r)["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, vec!["body"], "the unknown key first: {}", r.body);
    let r = app
        .bearer(
            Method::POST,
            &token,
            BASE,
            Some(&json!({ "name": "", "kind": "cloud", "confidentiality": "極高" })),
        )
        .await;
    let fields: Vec<String> = body(&r)["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        fields,
        vec!["name", "kind", "confidentiality"],
        "{}",
        r.body
    );
    let r = app
        .bearer(
            Method::POST,
            &token,
            BASE,
            Some(&json!({ "name": "校園網路防火牆", "kind": "hardware" })),
        )
        .await;
    assert_eq!(r.status, 409, "a duplicate name");
    assert_eq!(body(&r)["fields"][0]["field"], "name");
    let r = app
        .client
        .post(format!("{}{BASE}", app.base))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(app.audit_count().await, before);
    // DELETE, then it is gone
    let r = app
        .bearer(Method::DELETE, &token, &format!("{BASE}/{id}"), None)
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        app.bearer_get(&token, &format!("{BASE}/{id}")).await.status,
        404
    );
    assert_eq!(app.events("asset.delete").await.len(), 1);
}

/// Another agency's assets are invisible; a custodian updates their own assets and no others,
/// and cannot create or delete; without a token nothing is answered.
#[tokio::test]
async fn isolation_and_the_custodians_rights() {
    let app = spawn_app().await;
    let officer = app.token_of("xiaying.officer").await;
    let list = body(&app.bearer_get(&officer, BASE).await);
    let find = |name: &str| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let dean_pc = find("教務處電腦");
    let switch = find("校內網路交換器");
    // another school's officer sees nothing of it
    let tuku = app.token_of("tuku.officer").await;
    assert_eq!(app.bearer_get(&tuku, BASE).await.status, 404);
    assert_eq!(
        app.bearer_get(&tuku, &format!("{BASE}/{dean_pc}"))
            .await
            .status,
        404
    );
    let r = app
        .bearer(
            Method::PATCH,
            &tuku,
            &format!("{BASE}/{dean_pc}"),
            Some(&json!({ "location": "x" })),
        )
        .await;
    assert_eq!(r.status, 404);
    // the dean (a custodian by her account) updates her own computer, not the switch
    let dean = app.token_of("xiaying.dean").await;
    let r = app
        .bearer(
            Method::PATCH,
            &dean,
            &format!("{BASE}/{dean_pc}"),
            Some(&json!({ "location": "教務處（二樓）", "availability": "中" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .bearer(
            Method::PATCH,
            &dean,
            &format!("{BASE}/{dean_pc}"),
            Some(&json!({ "custodian": "施昀豆" })),
        )
        .await;
    assert_eq!(r.status, 422, "she cannot hand it on");
    let r = app
        .bearer(
            Method::PATCH,
            &dean,
            &format!("{BASE}/{switch}"),
            Some(&json!({ "location": "x" })),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .bearer(
            Method::POST,
            &dean,
            BASE,
            Some(&json!({ "name": "x", "kind": "data" })),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .bearer(Method::DELETE, &dean, &format!("{BASE}/{dean_pc}"), None)
        .await;
    assert_eq!(r.status, 403);
    // the supervisor reads the school's inventory
    let auditor = app.token_of("tainan.auditor").await;
    assert_eq!(app.bearer_get(&auditor, BASE).await.status, 200);
    // no token, a bad token
    assert_eq!(app.bearer_get("", BASE).await.status, 401);
    assert_eq!(app.bearer_get("anwei_nope", BASE).await.status, 401);
}

/// The page: the officer adds an asset (a bad one is refused beside its fields); the register
/// downloads in every format with the levels; LibreOffice opens the spreadsheet.
#[tokio::test]
async fn the_inventory_page_and_its_register() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let page = b.get("/agencies/xiaying-es/assets").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("國小學籍系統") && page.body.contains("核心資通系統"));
    let before = app.audit_count().await;
    let r = b
        .post(
            "/agencies/xiaying-es/assets",
            &[("name", ""), ("kind", "x"), ("confidentiality", "很高")],
        )
        .await;
    assert_eq!(r.status, 422);
    for field in ["name", "kind", "confidentiality"] {
        assert!(r.body.contains(&format!("id=\"{field}-error\"")), "{field}");
    }
    let r = b
        .post(
            "/agencies/xiaying-es/assets",
            &[("name", "國小學籍系統"), ("kind", "system")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("本機關已有同名的資產"));
    assert_eq!(app.audit_count().await, before);
    let r = b
        .post(
            "/agencies/xiaying-es/assets",
            &[
                ("name", "圖書館管理系統"),
                ("kind", "system"),
                ("custodian", "李玉萍"),
                ("confidentiality", "medium"),
                ("availability", "high"),
                ("status", "in_use"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = b.get(r.location()).await;
    assert!(
        page.body.contains("可用性為「高」") && page.body.contains("id=\"core\""),
        "{}",
        page.body
    );
    for ext in ["xlsx", "ods"] {
        let (status, _, bytes) = b
            .get_bytes(&format!("/agencies/xiaying-es/inventory/inventory.{ext}"))
            .await;
        assert_eq!(status, 200, "{ext}");
        let rows = crate::training::sheet_rows(&bytes, "資訊及資通系統清冊");
        let lib = rows.iter().find(|r| r[0] == "圖書館管理系統").unwrap();
        assert!(
            lib.contains(&"高".to_string()) && lib.contains(&"是".to_string()),
            "{lib:?}"
        );
        {
            let csv = crate::incidents::calc_csv_of(&bytes, ext);
            assert!(csv.contains("臺南市下營區下營國民小學"), "{csv}");
        }
    }
    let (_, headers, csv) = b
        .get_bytes("/agencies/xiaying-es/inventory/inventory.csv")
        .await;
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = String::from_utf8(csv).unwrap();
    assert!(text.starts_with('\u{feff}') && text.contains("國小學籍系統"));
    let mut other = app.signed_in("tuku.officer").await;
    assert_eq!(other.get_bytes("/agencies/xiaying-es/assets").await.0, 404);
    assert_eq!(
        other
            .get_bytes("/agencies/xiaying-es/inventory/inventory.xlsx")
            .await
            .0,
        404
    );
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The `sha` of the preview's form action.
fn review_path(body: &str) -> String {
    let at = body.find("/assets/import/").unwrap();
    let start = body[..at].rfind('"').unwrap() + 1;
    let end = at + body[at..].find('"').unwrap();
    body[start..end].to_string()
}

/// The fields of the preview form as it would be sent (its selected columns and file name).
fn review_form(body: &str) -> Vec<(String, String)> {
    let mut out = vec![];
    let mut rest = body;
    while let Some(i) = rest.find("<select id=\"map-") {
        rest = &rest[i + "<select id=\"".len()..];
        let name = rest[..rest.find('"').unwrap()].to_string();
        let end = rest.find("</select>").unwrap();
        let select = &rest[..end];
        if let Some(j) = select.find("\" selected>") {
            let v_start = select[..j].rfind("value=\"").unwrap() + "value=\"".len();
            out.push((name, select[v_start..j].to_string()));
        }
    }
    let f = body.find("name=\"file_name\" value=\"").unwrap() + "name=\"file_name\" value=\"".len();
    out.push((
        "file_name".into(),
        body[f..f + body[f..].find('"').unwrap()].to_string(),
    ));
    out
}

/// An XLSX made by a spreadsheet program imports after the preview; a Big5 CSV with bad rows
/// shows each row's problem and imports only the good rows on confirmation; a file that is not
/// a spreadsheet is refused in one line; nothing is written before the confirmation.
#[tokio::test]
async fn inventories_import_from_spreadsheets_after_a_preview() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    b.get("/agencies/xiaying-es/assets").await;
    let before = app.audit_count().await;
    let r = b
        .post_multipart(
            "/agencies/xiaying-es/assets/import",
            &[],
            Some(("盤點.xlsx", &fixture("inventory.xlsx"))),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("可匯入 3 列，有問題 0 列"), "{}", r.body);
    assert_eq!(app.audit_count().await, before, "a preview writes nothing");
    let path = review_path(&r.body);
    let mut form = review_form(&r.body);
    form.push(("confirm".into(), "1".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = b.post(&path, &pairs).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = b.get(r.location()).await;
    assert!(page.body.contains("已匯入 3 筆資產"), "{}", page.body);
    assert!(page.body.contains("學生輔導紀錄"));
    let events = app.events("asset.import").await;
    assert_eq!(events.len(), 1, "one event for the import");
    // a Big5 CSV: two bad rows and one already in the inventory
    let csv = "名稱,類別,機密性,可用性\n\
               公文系統,資通系統,普,中\n\
               電子白板,硬體,普,普\n\
               ,硬體,普,普\n\
               投影機,雲端,極高,普\n\
               電子白板,硬體,普,普\n\
               課務排課系統,資通系統,中,中\n";
    let big5 = encoding_rs::BIG5.encode(csv).0.into_owned();
    let r = b
        .post_multipart(
            "/agencies/xiaying-es/assets/import",
            &[],
            Some(("匯出.csv", &big5)),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("可匯入 2 列，有問題 4 列"), "{}", r.body);
    for text in [
        "本機關已有同名的資產",
        "與第 3 列名稱重複",
        "請填普、中或高",
    ] {
        assert!(r.body.contains(text), "{text}");
    }
    let path = review_path(&r.body);
    let form = review_form(&r.body);
    // the error report lists the four refused rows as they were
    let query: Vec<String> = form
        .iter()
        .filter(|(k, _)| k.starts_with("map-"))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let (status, _, xlsx) = b
        .get_bytes(&format!("{path}/errors.xlsx?{}", query.join("&")))
        .await;
    assert_eq!(status, 200);
    let rows = crate::training::sheet_rows(&xlsx, "匯入錯誤報告");
    assert_eq!(rows.len(), 5, "{rows:?}");
    assert_eq!(rows[1][0], "2");
    let mut confirm = form.clone();
    confirm.push(("confirm".into(), "1".into()));
    let pairs: Vec<(&str, &str)> = confirm
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = b.post(&path, &pairs).await;
    assert_eq!(
        finish_import(&mut b, r).await,
        "/agencies/xiaying-es/assets?imported=2&refused=4"
    );
    // not a spreadsheet
    let before = app.audit_count().await;
    let r = b
        .post_multipart(
            "/agencies/xiaying-es/assets/import",
            &[],
            Some(("photo.xlsx", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0")),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"import-error\"") && r.body.contains("無法讀取此檔案"));
    // wrong columns: the mapping is asked for, and the user's choice is used
    let r = b
        .post_multipart(
            "/agencies/xiaying-es/assets/import",
            &[],
            Some(("x.csv", "設備,種類\n印表機,硬體\n".as_bytes())),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"mapping-error\""), "{}", r.body);
    let path = review_path(&r.body);
    let r = b
        .post(
            &path,
            &[("map-name", "0"), ("map-kind", "1"), ("file_name", "x.csv")],
        )
        .await;
    assert!(r.body.contains("可匯入 1 列，有問題 0 列"), "{}", r.body);
    assert_eq!(
        app.audit_count().await,
        before,
        "no confirmation, nothing written"
    );
    // another agency cannot use the preview
    let mut other = app.signed_in("tuku.officer").await;
    other.get("/agencies/tuku-es/assets").await;
    let r = other
        .post(
            &path.replace("xiaying-es", "tuku-es"),
            &[("confirm", "1"), ("map-name", "0"), ("map-kind", "1")],
        )
        .await;
    assert_eq!(r.status, 303, "its own agency: the same file imports there");
    let r = other.post(&path, &[("confirm", "1")]).await;
    assert_eq!(r.status, 404);
}

/// 10,000 rows from an XLSX: previewed and imported whole in one transaction.
#[tokio::test]
async fn ten_thousand_rows_import_from_xlsx() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    b.get("/agencies/xiaying-es/assets").await;
    let doc = anwei_docs::Document::new("盤點").table(
        vec![
            "名稱".into(),
            "類別".into(),
            "資產管理人".into(),
            "可用性".into(),
        ],
        (0..10_000)
            .map(|i| {
                vec![
                    format!("教室設備{i:05}"),
                    "硬體".into(),
                    "施昀豆".into(),
                    ["普", "中", "高"][i % 3].into(),
                ]
            })
            .collect(),
    );
    let xlsx = anwei_docs::to_xlsx(&doc).unwrap();
    let r = b
        .post_multipart(
            "/agencies/xiaying-es/assets/import",
            &[],
            Some(("big.xlsx", &xlsx)),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("可匯入 10000 列，有問題 0 列"));
    let path = review_path(&r.body);
    let mut form = review_form(&r.body);
    form.push(("confirm".into(), "1".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = b.post(&path, &pairs).await;
    assert_eq!(
        finish_import(&mut b, r).await,
        "/agencies/xiaying-es/assets?imported=10000&refused=0"
    );
    let token = app.token_of("xiaying.officer").await;
    let all = body(&app.bearer_get(&token, &format!("{BASE}?per_page=1")).await);
    assert_eq!(all["total"], 10_008);
}

/// A 200 MB upload is refused as too large with a message, without the server holding it or
/// writing anything; the server goes on answering.
#[tokio::test]
async fn a_200_mb_file_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    b.get("/agencies/xiaying-es/assets").await;
    let before = app.audit_count().await;
    let files_before = files_under(&app.files_dir);
    // a real XLSX header, then 200 MB: what an export with embedded pictures looks like
    let mut huge = b"PK\x03\x04".to_vec();
    huge.resize(200 * 1024 * 1024, b'x');
    let r = b
        .post_multipart(
            "/agencies/xiaying-es/assets/import",
            &[],
            Some(("inventory.xlsx", &huge)),
        )
        .await;
    assert!(matches!(r.status, 400 | 413 | 422), "{}", r.status);
    assert!(
        r.body.contains("過大") || r.body.contains("上限"),
        "{}",
        r.body
    );
    assert_eq!(app.audit_count().await, before);
    assert_eq!(files_under(&app.files_dir), files_before, "nothing kept");
    let token = app.token_of("xiaying.officer").await;
    let all = body(&app.bearer_get(&token, &format!("{BASE}?per_page=1")).await);
    assert_eq!(all["total"], 8, "the demo's eight only");
}

/// Follows a confirmed import to where it ends: an import still running after the confirming
/// request is followed on its progress page, which shows the rows written so far.
async fn finish_import(b: &mut Browser<'_>, r: Resp) -> String {
    let mut location = r.location().to_string();
    while location.contains("/assets/import/progress/") {
        let page = b.get(&location).await;
        match page.status {
            200 => {
                assert!(page.body.contains("<progress value="), "{}", page.body);
                assert!(page.body.contains("列"), "{}", page.body);
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            303 => location = page.location().to_string(),
            other => panic!("progress answered {other}: {}", page.body),
        }
    }
    location
}

/// The yearly inventory: the officer opens it, custodians confirm their own assets (not others'),
/// the 資通安全長 signs off only when all are confirmed; the frozen register proves the duty.
#[tokio::test]
async fn the_yearly_inventory_is_confirmed_by_custodians_and_signed_off() {
    let app = spawn_app().await;
    let mut officer = app.signed_in("xiaying.officer").await;
    let page = officer.get("/agencies/xiaying-es/assets").await;
    assert!(page.body.contains("id=\"open-round\""));
    let r = officer
        .post("/agencies/xiaying-es/inventory-round", &[])
        .await;
    assert_eq!(r.status, 303);
    let r = officer
        .post("/agencies/xiaying-es/inventory-round", &[])
        .await;
    assert_eq!(r.status, 409, "one round a year");
    let token = app.token_of("xiaying.officer").await;
    let list = body(&app.bearer_get(&token, BASE).await);
    let id_of = |name: &str| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // the dean confirms her computer, not the switch
    let mut dean = app.signed_in("xiaying.dean").await;
    let page = dean.get("/agencies/xiaying-es/assets").await;
    let pc = id_of("教務處電腦");
    let switch = id_of("校內網路交換器");
    assert!(page.body.contains(&format!("id=\"confirm-{pc}\"")));
    assert!(!page.body.contains(&format!("id=\"confirm-{switch}\"")));
    let r = dean
        .post(&format!("/agencies/xiaying-es/assets/{pc}/confirm"), &[])
        .await;
    assert_eq!(r.status, 303);
    let r = dean
        .post(
            &format!("/agencies/xiaying-es/assets/{switch}/confirm"),
            &[],
        )
        .await;
    assert_eq!(r.status, 403);
    // the 資通安全長 cannot sign off while assets are unconfirmed; the officer cannot at all
    let mut ciso = app.signed_in("xiaying.principal").await;
    ciso.get("/agencies/xiaying-es/assets").await;
    let r = ciso
        .post("/agencies/xiaying-es/inventory-round/sign-off", &[])
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("尚有資產未確認"));
    let r = officer
        .post("/agencies/xiaying-es/inventory-round/sign-off", &[])
        .await;
    assert_eq!(r.status, 403);
    // the officer confirms the rest
    for a in list["items"].as_array().unwrap() {
        let id = a["id"].as_str().unwrap();
        if id != pc {
            let r = officer
                .post(&format!("/agencies/xiaying-es/assets/{id}/confirm"), &[])
                .await;
            assert_eq!(r.status, 303);
        }
    }
    let page = officer.get("/agencies/xiaying-es/assets").await;
    assert!(page.body.contains("已確認 8 / 8 項"), "{}", page.body);
    let r = ciso
        .post("/agencies/xiaying-es/inventory-round/sign-off", &[])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // frozen: the register as signed off, and the duty's evidence
    let page = officer.get("/agencies/xiaying-es/assets").await;
    assert!(page.body.contains("id=\"round-done\""));
    let (status, _, xlsx) = officer
        .get_bytes("/agencies/xiaying-es/inventory-round/2026/register.xlsx")
        .await;
    assert_eq!(status, 200);
    let rows = crate::training::sheet_rows(&xlsx, "資訊及資通系統清冊");
    assert_eq!(rows.len(), 9, "the header and eight assets");
    let a = app
        .store
        .agency_by_code(&anwei_store::Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    let task = app
        .store
        .tasks(&anwei_store::Actor::cli(), Some(a.id), 2026)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.obligation_key == "asset-inventory")
        .unwrap();
    let evidence = app.store.evidence_of_task(task.id).await.unwrap();
    assert_eq!(evidence.len(), 1);
    assert_eq!(
        evidence[0].sha256.as_deref(),
        Some(anwei_domain::evidence::sha256_hex(&xlsx).as_str())
    );
    // after sign-off nothing more is confirmed; every step is audited
    let r = dean
        .post(&format!("/agencies/xiaying-es/assets/{pc}/confirm"), &[])
        .await;
    assert_eq!(r.status, 409);
    for action in ["inventory.open", "inventory.confirm", "inventory.sign_off"] {
        assert!(!app.events(action).await.is_empty(), "{action}");
    }
}

/// Retiring an asset records why, how its data was removed, by whom, when, and the proof; a bad
/// form changes nothing; only the officer records it, once.
#[tokio::test]
async fn a_disposal_records_how_the_data_was_removed() {
    let app = spawn_app().await;
    let switch = app.asset_id("xiaying-es", "校內網路交換器").await;
    let token = app.token_of("xiaying.officer").await;
    let path = format!("/agencies/xiaying-es/assets/{switch}");
    let mut b = app.signed_in("xiaying.officer").await;
    b.get(&path).await;
    let before = app.audit_count().await;
    let r = b
        .post_multipart(
            &format!("{path}/dispose"),
            &[
                ("title", "汰除佐證"),
                ("disposed_on", "116/01/01"),
                ("reason", ""),
                ("method", "burn"),
                ("performed_by", "施昀豆"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, 422);
    for field in ["disposed_on", "reason", "method", "file"] {
        assert!(
            r.body.contains(&format!("id=\"{field}-error\""))
                || r.body.contains(&format!("id=\"dispose-{field}-error\"")),
            "{field}: {}",
            r.body
        );
    }
    assert_eq!(app.audit_count().await, before);
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let r = b
        .post_multipart(
            &format!("{path}/dispose"),
            &[
                ("title", "汰除佐證"),
                ("disposed_on", "115/02/20"),
                ("reason", "設備老舊汰換"),
                ("method", "returned"),
                ("performed_by", "施昀豆"),
            ],
            Some(("報廢單.pdf", &pdf)),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = b.get(&path).await;
    assert!(
        page.body.contains("已於 民國115年2月20日 汰除") && page.body.contains("歸還原提供者"),
        "{}",
        page.body
    );
    let asset = body(&app.bearer_get(&token, &format!("{BASE}/{switch}")).await);
    assert_eq!(asset["status"], "disposed");
    assert_eq!(app.events("asset.dispose").await.len(), 1);
    // once only, and the refused second disposal keeps no evidence of its own (the evidence
    // and the disposal are one transaction)
    let evidence_before = app.events("evidence.add").await.len();
    let files_before = files_under(&app.files_dir);
    let again = b"%PDF-1.4\n% the same machine, recorded twice\n%%EOF\n".to_vec();
    let r = b
        .post_multipart(
            &format!("{path}/dispose"),
            &[
                ("title", "汰除佐證"),
                ("disposed_on", "115/02/21"),
                ("reason", "x"),
                ("method", "overwrite"),
                ("performed_by", "施昀豆"),
            ],
            Some(("again.pdf", &again)),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(app.events("evidence.add").await.len(), evidence_before);
    assert_eq!(files_under(&app.files_dir), files_before);
    // the dean (staff) cannot record one
    let mut dean = app.signed_in("xiaying.dean").await;
    dean.get("/agencies/xiaying-es/assets").await;
    let r = dean
        .post_multipart(
            &format!("{path}/dispose"),
            &[("title", "x"), ("disposed_on", "115/02/20")],
            Some(("x.pdf", &pdf)),
        )
        .await;
    assert_eq!(r.status, 403);
}

/// A system's 附表十 rows follow its level; a D-level school sees them as a reference; the
/// officer records where each stands, audited; a status outside the list is refused.
#[tokio::test]
async fn a_systems_baseline_controls_follow_its_level() {
    let app = spawn_app().await;
    let id = app.asset_id("xiaying-es", "國小學籍系統").await;
    let token = app.token_of("xiaying.officer").await;
    let path = format!("/agencies/xiaying-es/assets/{id}");
    let mut b = app.signed_in("xiaying.officer").await;
    let page = b.get(&path).await;
    let catalog = anwei_domain::catalog::Catalog::load().unwrap();
    let medium = catalog
        .baseline
        .rows_for(anwei_domain::asset::Rating::Medium);
    assert_eq!(page.body.matches("name=\"status-").count(), medium.len());
    assert!(page.body.contains("毋須適用附表十"), "level D");
    assert!(!page.body.contains("status-sc-crypto-high"), "a 高 row");
    let r = b
        .post(
            &format!("{path}/controls"),
            &[
                ("status-ac-account-normal", "in_place"),
                ("note-ac-account-normal", "教育局統一帳號管理"),
                ("status-ia-medium", "in_progress"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = b.get(&path).await;
    assert!(page.body.contains("教育局統一帳號管理"));
    let events = app.events("asset.controls").await;
    assert_eq!(events.len(), 1);
    let r = b
        .post(&format!("{path}/controls"), &[("status-ia-medium", "done")])
        .await;
    assert_eq!(r.status, 422);
    // raising availability to 高 brings the 高 rows
    let r = app
        .bearer(
            Method::PATCH,
            &token,
            &format!("{BASE}/{id}"),
            Some(&json!({ "availability": "高" })),
        )
        .await;
    assert_eq!(r.status, 200);
    let page = b.get(&path).await;
    assert!(page.body.contains("status-sc-crypto-high"));
}

/// 取得日期 through the API in the shapes agencies write it: 民國 text, an Excel serial day,
/// ISO; anything else is an error on that field, and nothing changes.
#[tokio::test]
async fn acquisition_dates_arrive_as_roc_text_or_excel_serials() {
    let app = spawn_app().await;
    let token = app.token_of("xiaying.officer").await;
    let r = app
        .bearer(
            Method::POST,
            &token,
            BASE,
            Some(&json!({ "name": "教室投影機", "kind": "硬體", "acquired_on": "113/05/01" })),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let created = body(&r);
    assert_eq!(created["acquired_on"], "2024-05-01");
    let path = format!("{BASE}/{}", created["id"].as_str().unwrap());
    let r = app
        .bearer(
            Method::PATCH,
            &token,
            &path,
            Some(&json!({ "acquired_on": 45_444 })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(body(&r)["acquired_on"], "2024-06-01");
    let r = app
        .bearer(
            Method::PATCH,
            &token,
            &path,
            Some(&json!({ "acquired_on": "去年夏天" })),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(body(&r)["fields"][0]["field"], "acquired_on", "{}", r.body);
    assert_eq!(
        body(&app.bearer_get(&token, &path).await)["acquired_on"],
        "2024-06-01"
    );
    // the register shows it in 民國
    let mut b = app.signed_in("xiaying.officer").await;
    let (_, _, xlsx) = b
        .get_bytes("/agencies/xiaying-es/inventory/inventory.xlsx")
        .await;
    let rows = crate::training::sheet_rows(&xlsx, "資訊及資通系統清冊");
    let projector = rows.iter().find(|r| r[0] == "教室投影機").unwrap();
    assert!(projector.last().unwrap().contains("113"), "{projector:?}");
}

/// Two instances on one database behind a load balancer: an import confirmed on one is followed
/// on the other, which reads the job's progress and outcome from the database; only the person
/// who started it follows it.
#[tokio::test]
async fn an_import_started_on_one_instance_is_followed_on_another() {
    let app = spawn_app().await;
    let other = app.second_instance().await;
    let mut b = app.signed_in("xiaying.officer").await;
    b.get("/agencies/xiaying-es/assets").await;
    let r = b
        .post_multipart(
            "/agencies/xiaying-es/assets/import",
            &[],
            Some(("盤點.xlsx", &fixture("inventory.xlsx"))),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let path = review_path(&r.body);
    let mut form = review_form(&r.body);
    form.push(("confirm".into(), "1".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = b.post(&path, &pairs).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let jobs = app.store.testing_import_jobs().await.unwrap();
    assert_eq!(jobs.len(), 1);
    let progress = format!("/agencies/xiaying-es/assets/import/progress/{}", jobs[0]);
    // the same person, their next request served by the other instance
    let mut there = app.browser_on(&other, &b);
    let mut location = progress.clone();
    while location.contains("/assets/import/progress/") {
        let page = there.get(&location).await;
        match page.status {
            200 => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
            303 => location = page.location().to_string(),
            s => panic!("{s}: {}", page.body),
        }
    }
    assert_eq!(location, "/agencies/xiaying-es/assets?imported=3&refused=0");
    // somebody else of the same school does not follow it
    let mut colleague = other.signed_in("xiaying.principal").await;
    let r = colleague.get(&progress).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/agencies/xiaying-es/assets");
    // a job still running (started by this person on the first instance) shows its progress
    // on the second
    let actor = anwei_store::Actor {
        label: "xiaying.officer".into(),
        ..anwei_store::Actor::cli()
    };
    let school = app
        .store
        .agency_by_code(&anwei_store::Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    let running = app
        .store
        .start_import(
            &actor,
            school.id,
            40,
            2,
            anwei_domain::clock::Clock::now(&app.clock),
        )
        .await
        .unwrap();
    let page = there
        .get(&format!(
            "/agencies/xiaying-es/assets/import/progress/{running}"
        ))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("max=\"40\""), "{}", page.body);
}
