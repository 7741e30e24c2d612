//! 資通安全風險評估 through the pages: the detailed method with one accepted (留存) risk approved
//! by the 資通安全長, the threshold, who may do what, bad input writing nothing, the frozen
//! register as the duty's evidence, the exemption when every system is centralised, and
//! isolation between agencies.

use crate::support::*;
use reqwest::Method;
use serde_json::json;

const PAGE: &str = "/agencies/xiaying-es/risks";

/// Opens this year's assessment with (likelihood levels, impact levels, threshold).
async fn open_assessment(b: &mut Browser<'_>, agency: &str, (l, i, t): (&str, &str, &str)) -> Resp {
    b.post(
        &format!("/agencies/{agency}/risks/open"),
        &[
            ("likelihood_levels", l),
            ("impact_levels", i),
            ("threshold", t),
        ],
    )
    .await
}

async fn risk_ids(app: &TestApp) -> Vec<uuid::Uuid> {
    let a = app
        .store
        .agency_by_code(&anwei_store::Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    match app.store.risk_assessment(&a, 2026).await.unwrap() {
        Some(x) => app
            .store
            .risks(x.id)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect(),
        None => Vec::new(),
    }
}

async fn duty_evidence(app: &TestApp, duty: &str) -> Vec<anwei_store::evidence::EvidenceRow> {
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
        .find(|t| t.obligation_key == duty)
        .unwrap();
    app.store.evidence_of_task(task.id).await.unwrap()
}

/// Every cell of every sheet, one per line.
fn every_cell(bytes: &[u8]) -> String {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let mut out = String::new();
    for name in book.sheet_names() {
        for row in book.worksheet_range(&name).unwrap().rows() {
            for c in row {
                out.push_str(&c.to_string());
                out.push('\n');
            }
        }
    }
    out
}

/// The done-when of the issue: an assessment by the detailed method with one risk retained,
/// approved by the 資通安全長 until a date, completed, frozen and exported.
#[tokio::test]
async fn an_assessment_with_one_accepted_risk_is_completed_by_the_ciso() {
    let app = spawn_app().await;
    let mut officer = app.signed_in("xiaying.officer").await;
    let page = officer.get(PAGE).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"open-assessment\""));
    // the scales are checked beside their fields; nothing is opened
    let r = open_assessment(&mut officer, "xiaying-es", ("3", "3", "9")).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"threshold-error\""), "{}", r.body);
    assert!(r.body.contains("1 到 8"));
    assert!(risk_ids(&app).await.is_empty());
    let r = open_assessment(&mut officer, "xiaying-es", ("3", "3", "4")).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = open_assessment(&mut officer, "xiaying-es", ("3", "3", "4")).await;
    assert_eq!(r.status, 409, "one assessment a year");

    // a system valued 中 (its highest of C, I, A): the impact left empty becomes 2
    let system = app.asset_id("xiaying-es", "國小學籍系統").await;
    let switch = app.asset_id("xiaying-es", "校內網路交換器").await;
    let page = officer.get(PAGE).await;
    assert!(page.body.contains("價值 中，建議衝擊 2"), "{}", page.body);
    assert!(
        page.body.contains("惡意程式（病毒、勒索軟體）"),
        "catalog threats offered"
    );
    let r = officer
        .post(
            &format!("{PAGE}/add"),
            &[
                ("asset", &system),
                ("threat", "未經授權之存取"),
                ("vulnerability", "密碼強度不足或共用帳號"),
                ("existing_controls", "教育局統一帳號管理"),
                ("likelihood", "3"),
                ("impact", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // the agency's own terms join its list
    let r = officer
        .post(
            &format!("{PAGE}/add"),
            &[
                ("asset", &switch),
                ("threat", "雷擊突波"),
                ("vulnerability", "機櫃未接地"),
                ("likelihood", "1"),
                ("impact", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = officer.get(PAGE).await;
    assert!(page.body.contains("<option value=\"雷擊突波\">"));
    assert!(
        page.body
            .contains("已登錄 2 項風險，其中 1 項尚待處理或核准"),
        "{}",
        page.body
    );

    // a bad risk: every error beside its field, nothing written, no audit event
    let before = app.audit_count().await;
    let r = officer
        .post(
            &format!("{PAGE}/add"),
            &[
                ("asset", "not-an-id"),
                ("threat", ""),
                ("vulnerability", "弱點"),
                ("likelihood", "4"),
                ("impact", "1"),
                ("treatment", "modify"),
                ("due_on", "115/13/40"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    for field in [
        "asset",
        "threat",
        "likelihood",
        "owner",
        "treatment_plan",
        "due_on",
    ] {
        assert!(
            r.body.contains(&format!("id=\"{field}-error\"")),
            "{field}: {}",
            r.body
        );
    }
    assert_eq!(risk_ids(&app).await.len(), 2);
    assert_eq!(app.audit_count().await, before);

    // the 資通安全長 cannot complete while a risk above the threshold is untreated
    let mut ciso = app.signed_in("xiaying.principal").await;
    ciso.get(PAGE).await;
    let r = ciso.post(&format!("{PAGE}/complete"), &[]).await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("尚有風險未擬定處理方式"));

    // the officer retains it; the retention waits for approval
    let first = risk_ids(&app).await[0];
    let risk_page = format!("{PAGE}/r/{first}");
    officer.get(&risk_page).await;
    let r = officer
        .post(
            &risk_page,
            &[
                ("asset", &system),
                ("threat", "未經授權之存取"),
                ("vulnerability", "密碼強度不足或共用帳號"),
                ("likelihood", "3"),
                ("impact", "2"),
                ("treatment", "retain"),
                (
                    "treatment_plan",
                    "系統由教育局代管，學校無法變更其認證機制，於代管期間接受此風險",
                ),
                ("owner", "施昀豆"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = officer.get(&risk_page).await;
    assert!(page.body.contains("留存待核准"));
    assert!(
        !page.body.contains("id=\"approve-risk\""),
        "only the CISO approves"
    );
    let r = officer
        .post(
            &format!("{risk_page}/approve"),
            &[("expires_on", "2027-03-01")],
        )
        .await;
    assert_eq!(r.status, 403);
    let r = ciso.post(&format!("{PAGE}/complete"), &[]).await;
    assert_eq!(
        r.status, 409,
        "a retention awaiting approval is not settled"
    );

    // the 資通安全長 approves until a date: not today, not beyond three years
    let page = ciso.get(&risk_page).await;
    assert!(page.body.contains("id=\"approve-risk\""));
    for bad in ["2026-03-02", "2029-12-31", "明年"] {
        let r = ciso
            .post(&format!("{risk_page}/approve"), &[("expires_on", bad)])
            .await;
        assert_eq!(r.status, 422, "{bad}");
        assert!(r.body.contains("id=\"expires_on-error\""), "{bad}");
    }
    let r = ciso
        .post(
            &format!("{risk_page}/approve"),
            &[("expires_on", "116/03/01")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = ciso.get(&risk_page).await;
    assert!(page.body.contains("已核准留存"));
    assert!(page.body.contains("id=\"approval\""));

    // the officer cannot complete; the 資通安全長 can
    let r = officer.post(&format!("{PAGE}/complete"), &[]).await;
    assert_eq!(r.status, 403);
    let r = ciso.post(&format!("{PAGE}/complete"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = officer.get(PAGE).await;
    assert!(page.body.contains("id=\"assessment-done\""));

    // frozen: the register as completed proves the year's duty
    let (status, _, frozen) = officer.get_bytes(&format!("{PAGE}/2026/frozen.xlsx")).await;
    assert_eq!(status, 200);
    let evidence = duty_evidence(&app, "risk-assessment").await;
    assert_eq!(evidence.len(), 1);
    assert_eq!(
        evidence[0].sha256.as_deref(),
        Some(anwei_domain::evidence::sha256_hex(&frozen).as_str())
    );
    let rows = crate::training::sheet_rows(&frozen, "風險清冊");
    assert_eq!(rows.len(), 3, "the header and two risks: {rows:?}");
    assert_eq!(rows[0][8], "風險值");
    let retained = &rows[1];
    assert_eq!(retained[1], "國小學籍系統");
    assert_eq!(retained[2], "中");
    assert_eq!(
        (
            retained[6].as_str(),
            retained[7].as_str(),
            retained[8].as_str()
        ),
        ("3", "2", "6")
    );
    assert_eq!(retained[9], "否");
    assert_eq!(retained[10], "留存");
    assert_eq!(retained[14], "已核准留存");
    assert_eq!(retained[15], "xiaying.principal");
    assert_eq!(rows[2][14], "可接受");

    // every export format; LibreOffice opens the spreadsheet
    for ext in ["xlsx", "ods", "csv", "odt", "pdf"] {
        let (status, headers, bytes) = officer
            .get_bytes(&format!("{PAGE}/2026/register.{ext}"))
            .await;
        assert_eq!(status, 200, "{ext}");
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .contains(&format!(".{ext}")),
            "{ext}"
        );
        if ext == "csv" {
            assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "CSV with a BOM");
            assert!(String::from_utf8_lossy(&bytes).contains("留存"));
        }
        if ext == "ods" {
            let rows = crate::training::sheet_rows(&bytes, "風險清冊");
            assert_eq!(rows[1][10], "留存");
        }
    }
    let (_, _, xlsx) = officer
        .get_bytes(&format!("{PAGE}/2026/register.xlsx"))
        .await;
    {
        let csv = crate::incidents::calc_csv_of(&xlsx, "xlsx");
        assert!(csv.contains("已完成：xiaying.principal"), "{csv}");
    }

    // completed: nothing more is added, changed or approved
    let r = officer
        .post(
            &format!("{PAGE}/add"),
            &[
                ("asset", &switch),
                ("threat", "設備故障"),
                ("vulnerability", "設備老舊已逾原廠支援期限"),
                ("likelihood", "1"),
                ("impact", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 409);
    let r = ciso
        .post(
            &format!("{risk_page}/approve"),
            &[("expires_on", "116/06/01")],
        )
        .await;
    assert_eq!(r.status, 409);
    for action in [
        "risk.assessment.open",
        "risk.add",
        "risk.update",
        "risk.approve",
        "risk.assessment.complete",
    ] {
        assert!(!app.events(action).await.is_empty(), "{action}");
    }
}

/// An approval is withdrawn when the risk changes; the scales cannot shrink under recorded
/// risks; a risk is removed only while the assessment is open.
#[tokio::test]
async fn changes_withdraw_approval_and_scales_keep_recorded_risks() {
    let app = spawn_app().await;
    let mut officer = app.signed_in("xiaying.officer").await;
    officer.get(PAGE).await;
    open_assessment(&mut officer, "xiaying-es", ("5", "5", "9")).await;
    let pc = app.asset_id("xiaying-es", "教務處電腦").await;
    let fields = |likelihood: &'static str| -> Vec<(&'static str, String)> {
        vec![
            ("asset", pc.clone()),
            ("threat", "設備遭竊或遺失".into()),
            ("vulnerability", "實體門禁不足".into()),
            ("likelihood", likelihood.into()),
            ("impact", "".into()),
            ("treatment", "retain".into()),
            ("treatment_plan", "教務處下班上鎖".into()),
            ("owner", "李玉萍".into()),
        ]
    };
    let five = fields("5");
    let f: Vec<(&str, &str)> = five.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = officer.post(&format!("{PAGE}/add"), &f).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id = risk_ids(&app).await[0];
    let risk_page = format!("{PAGE}/r/{id}");
    // valued 普 on a five-level impact scale: impact 1, value 5 × 1
    let page = officer.get(&risk_page).await;
    assert!(page.body.contains("<strong>5</strong>"), "{}", page.body);
    let mut ciso = app.signed_in("xiaying.principal").await;
    ciso.get(&risk_page).await;
    let r = ciso
        .post(
            &format!("{risk_page}/approve"),
            &[("expires_on", "2026-12-31")],
        )
        .await;
    assert_eq!(r.status, 303);
    // the officer changes it: the approval is gone
    let four = fields("4");
    let f: Vec<(&str, &str)> = four.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = officer.post(&risk_page, &f).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = officer.get(&risk_page).await;
    assert!(page.body.contains("留存待核准"), "{}", page.body);
    // three levels would leave likelihood 4 outside the scale
    let r = officer
        .post(
            &format!("{PAGE}/scales"),
            &[
                ("likelihood_levels", "3"),
                ("impact_levels", "3"),
                ("threshold", "4"),
            ],
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("超出新的等級數"));
    let r = officer
        .post(
            &format!("{PAGE}/scales"),
            &[
                ("likelihood_levels", "4"),
                ("impact_levels", "3"),
                ("threshold", "6"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = officer.get(PAGE).await;
    assert!(
        page.body
            .contains("可能性 4 級 × 衝擊 3 級，可接受風險值 ≤ 6")
    );
    // a custodian reads the register but changes nothing
    let mut dean = app.signed_in("xiaying.dean").await;
    assert_eq!(dean.get(PAGE).await.status, 200);
    let r = dean.post(&format!("{risk_page}/delete"), &[]).await;
    assert_eq!(r.status, 403);
    let r = officer.post(&format!("{risk_page}/delete"), &[]).await;
    assert_eq!(r.status, 303);
    assert!(risk_ids(&app).await.is_empty());
    assert!(!app.events("risk.delete").await.is_empty());
}

/// 捌、一、1: the year is exempt only while every system in use is run by the supervisor; the
/// record proves the duty.
#[tokio::test]
async fn a_year_is_exempt_only_when_every_system_is_centralised() {
    let app = spawn_app().await;
    let token = app.token_of("xiaying.officer").await;
    let mut officer = app.signed_in("xiaying.officer").await;
    let page = officer.get(PAGE).await;
    assert!(
        page.body.contains("id=\"record-exemption\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("國小學籍系統（臺南市政府教育局）"));
    // a system of its own makes the year not exempt
    let r = app
        .bearer(
            Method::POST,
            &token,
            "/api/v1/agencies/xiaying-es/assets",
            Some(&json!({ "name": "圖書管理系統", "kind": "system" })),
        )
        .await;
    assert_eq!(r.status, 201);
    let own: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let page = officer.get(PAGE).await;
    assert!(page.body.contains("id=\"not-exempt\""));
    let r = officer
        .post(&format!("{PAGE}/exempt"), &[("reason", "全部集中")])
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("不能記錄免辦"));
    // once it is gone (returned to the bureau), the year can be exempt
    let r = app
        .bearer(
            Method::PATCH,
            &token,
            &format!(
                "/api/v1/agencies/xiaying-es/assets/{}",
                own["id"].as_str().unwrap()
            ),
            Some(&json!({ "status": "returned" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = officer
        .post(&format!("{PAGE}/exempt"), &[("reason", "  ")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"reason-error\""));
    assert!(duty_evidence(&app, "risk-assessment").await.is_empty());
    let page = officer.get(PAGE).await;
    let reason =
        "本機關配合資訊資源向上集中計畫，資通系統均由臺南市政府教育局代管，本年度免辦理風險評估。";
    let r = officer
        .post(&format!("{PAGE}/exempt"), &[("reason", reason)])
        .await;
    assert_eq!(r.status, 303, "{}", page.body);
    let page = officer.get(PAGE).await;
    assert!(page.body.contains("id=\"exempt-record\""));
    assert!(page.body.contains(reason));
    let evidence = duty_evidence(&app, "risk-assessment").await;
    assert_eq!(evidence.len(), 1);
    let r = open_assessment(&mut officer, "xiaying-es", ("3", "3", "4")).await;
    assert_eq!(r.status, 409, "the year is recorded");
    assert!(!app.events("risk.exempt").await.is_empty());
    // the register of an exempt year says so
    let (status, _, xlsx) = officer
        .get_bytes(&format!("{PAGE}/2026/register.xlsx"))
        .await;
    assert_eq!(status, 200);
    let cells = every_cell(&xlsx);
    assert!(cells.contains("免辦（資訊系統向上集中）"), "{cells}");
    assert!(cells.contains(reason), "{cells}");
}

/// Another agency sees none of it; a risk id of one agency under another's code is not found.
#[tokio::test]
async fn risks_of_another_agency_are_invisible() {
    let app = spawn_app().await;
    let mut officer = app.signed_in("xiaying.officer").await;
    officer.get(PAGE).await;
    open_assessment(&mut officer, "xiaying-es", ("3", "3", "4")).await;
    let pc = app.asset_id("xiaying-es", "教務處電腦").await;
    officer
        .post(
            &format!("{PAGE}/add"),
            &[
                ("asset", &pc),
                ("threat", "設備故障"),
                ("vulnerability", "設備老舊已逾原廠支援期限"),
                ("likelihood", "2"),
                ("impact", "1"),
            ],
        )
        .await;
    let id = risk_ids(&app).await[0];
    let mut other = app.signed_in("tuku.officer").await;
    assert_eq!(other.get(PAGE).await.status, 404);
    assert_eq!(other.get(&format!("{PAGE}/r/{id}")).await.status, 404);
    assert_eq!(
        other
            .get(&format!("/agencies/tuku-es/risks/r/{id}"))
            .await
            .status,
        404
    );
    assert_eq!(
        other
            .get_bytes(&format!("{PAGE}/2026/register.xlsx"))
            .await
            .0,
        404
    );
    let page = other.get("/agencies/tuku-es/risks").await;
    assert_eq!(page.status, 200);
    let r = other
        .post(&format!("/agencies/tuku-es/risks/r/{id}/delete"), &[])
        .await;
    assert_eq!(r.status, 404);
    // an asset of another agency cannot be named in a risk
    open_assessment(&mut other, "tuku-es", ("3", "3", "4")).await;
    let r = other
        .post(
            "/agencies/tuku-es/risks/add",
            &[
                ("asset", &pc),
                ("threat", "設備故障"),
                ("vulnerability", "x"),
                ("likelihood", "1"),
                ("impact", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"asset-error\""));
    assert_eq!(risk_ids(&app).await.len(), 1);
}
