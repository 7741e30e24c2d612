//! The audit checklist answered from the agency's records: every item of the 115 form comes back
//! with a proposal, its reasons and its records; the items for A–B agencies are 不適用 for the
//! level-D demo school; and doing a duty moves the answer of the items it speaks to.

use crate::support::*;
use anwei_domain::catalog::Catalog;
use anwei_domain::checklist::{Answer, EvidenceRef};

async fn proposals(app: &TestApp, catalog: &Catalog) -> Vec<anwei_domain::checklist::Proposal> {
    let actor = anwei_store::Actor::cli();
    let a = app
        .store
        .agency_by_code(&actor, "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    let files = anwei_store::files::FileStore::local(&app.files_dir);
    let cx = anwei_app::Ctx {
        store: &app.store,
        files: &files,
        catalog,
        now: anwei_domain::clock::Clock::now(&app.clock),
    };
    let (c, p) = anwei_app::audits::proposals(&cx, &actor, &a, 2026, None)
        .await
        .unwrap();
    assert_eq!(c.id, "gov-115");
    p
}

fn answer_of(p: &[anwei_domain::checklist::Proposal], number: &str) -> Answer {
    p.iter().find(|p| p.number == number).unwrap().answer
}

#[tokio::test]
async fn every_item_is_proposed_with_its_reasons_and_records() {
    let app = spawn_app().await;
    let catalog = Catalog::load().unwrap();
    let p = proposals(&app, &catalog).await;
    assert_eq!(p.len(), 87);
    for item in &p {
        assert!(!item.reasons.is_empty(), "{} has no reason", item.number);
        if item.answer != Answer::NotApplicable {
            assert!(!item.evidence.is_empty(), "{} has no record", item.number);
        }
    }
    // 【A、B級機關適用】 items, and those for supervisors and for other kinds of agency
    for n in [
        "1.5", "7.3", "7.5", "9.8", "9.9", "6.3", "6.4", "6.5", "6.6", "6.7", "9.3",
    ] {
        assert_eq!(answer_of(&p, n), Answer::NotApplicable, "{n}");
    }
    let level = p.iter().find(|p| p.number == "1.5").unwrap();
    assert_eq!(level.reasons[0].key, "checklist-reason-level");
    // The approved plan speaks for 2.1; the training ledger is cited for 3.2.
    let training = p.iter().find(|p| p.number == "3.2").unwrap();
    assert!(training.evidence.contains(&EvidenceRef::TrainingLedger));
}

#[tokio::test]
async fn doing_the_duty_moves_the_answer() {
    let app = spawn_app().await;
    let catalog = Catalog::load().unwrap();
    // 2.3 (performance measured and reviewed) waits on the management review due in December.
    let before = proposals(&app, &catalog).await;
    assert_eq!(answer_of(&before, "2.3"), Answer::Partial);
    let task = before
        .iter()
        .find(|p| p.number == "2.3")
        .unwrap()
        .evidence
        .iter()
        .find_map(|e| match e {
            EvidenceRef::Task { id, duty } if duty == "management-review" => Some(id.clone()),
            _ => None,
        })
        .expect("the review's task is cited");
    let mut b = app.signed_in("xiaying.officer").await;
    b.get(&format!("/tasks/{task}")).await;
    let r = b
        .post_multipart(
            &format!("/tasks/{task}/evidence"),
            &[
                ("title", "115年度管理審查會議紀錄"),
                ("url", "https://drive.example.tw/review-minutes"),
                ("effective_on", "115/03/02"),
                ("expires_on", ""),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = b
        .post(&format!("/tasks/{task}/action"), &[("action", "complete")])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = proposals(&app, &catalog).await;
    assert_eq!(answer_of(&after, "2.3"), Answer::Conforming);
    let item = after.iter().find(|p| p.number == "2.3").unwrap();
    assert!(
        item.evidence
            .iter()
            .any(|e| matches!(e, EvidenceRef::File { .. })),
        "the minutes are cited"
    );
    // Nothing else the review does not speak to moved.
    for (x, y) in before.iter().zip(&after) {
        if !["2.3", "6.2"].contains(&x.number.as_str()) {
            assert_eq!(x.answer, y.answer, "{}", x.number);
        }
    }
}

#[tokio::test]
async fn the_command_line_prints_the_checklist_and_writes_nothing() {
    let app = spawn_app().await;
    let before = app.audit_count().await;
    let out = app.cli(
        &[
            "checklist",
            "--agency",
            "xiaying-es",
            "--year",
            "2026",
            "--format",
            "json",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["checklist"]["id"], "gov-115");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 87);
    let item = items.iter().find(|i| i["number"] == "1.5").unwrap();
    assert_eq!(item["answer"], "not_applicable");
    assert!(
        item["reasons"][0]
            .as_str()
            .unwrap()
            .contains("A、B級機關適用")
    );
    assert!(
        items
            .iter()
            .all(|i| !i["reasons"].as_array().unwrap().is_empty())
    );
    let out = app.cli(
        &["checklist", "--agency", "xiaying-es", "--year", "2026"],
        None,
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("7.6") && table.contains("Not applicable"),
        "{table}"
    );
    // bad input is one line
    let out = app.cli(
        &[
            "checklist",
            "--agency",
            "xiaying-es",
            "--year",
            "2026",
            "--checklist",
            "gov-999",
        ],
        None,
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("gov-999") && err.contains("gov-115"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let out = app.cli(
        &["checklist", "--agency", "nowhere-es", "--year", "2026"],
        None,
    );
    assert!(!out.status.success());
    assert_eq!(app.audit_count().await, before, "nothing written");
}

fn plan_fields<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("kind", "internal"),
        ("checklist", "gov-115"),
        ("basis", "依資通安全管理法辦理年度稽核"),
        ("period_from", "115/05/04"),
        ("period_to", "115/05/05"),
        ("focus", "資產盤點、存取控制"),
        ("team", "臺南市政府教育局 稽核員 林素華"),
        ("confidentiality", "稽核人員負保密義務"),
        ("method", "書面審閱及實地訪談"),
        ("assistance", "請備妥資產清冊"),
        ("previous_results", ""),
    ];
    for (k, v) in overrides {
        f.retain(|(x, _)| x != k);
        f.push((k, v));
    }
    f
}

#[tokio::test]
async fn the_supervisor_plans_an_audit_the_school_answers_and_the_form_prints() {
    let app = spawn_app().await;
    let mut auditor = app.signed_in("tainan.auditor").await;
    let r = auditor.get("/agencies/xiaying-es/audits").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("id=\"supervisor-audit\""), "{}", r.body);

    // Bad plans are refused beside their fields and write nothing.
    let before = app.audit_count().await;
    let r = auditor
        .post(
            "/agencies/xiaying-es/audits",
            &plan_fields(&[
                ("period_to", "115/05/01"),
                ("focus", " "),
                ("checklist", "gov-1"),
            ]),
        )
        .await;
    assert_eq!(r.status, 422);
    for field in ["period_to", "focus", "checklist"] {
        assert!(
            r.body.contains(&format!("id=\"{field}-error\"")),
            "{field}: {}",
            r.body
        );
    }
    assert!(r.body.contains("迄日不可早於起日"));
    assert_eq!(app.audit_count().await, before, "nothing written");

    // The plan: whatever the form says, an audit of a school below is the supervisor's.
    let r = auditor
        .post("/agencies/xiaying-es/audits", &plan_fields(&[]))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = r.location().split('?').next().unwrap().to_string();
    let ev = app.events("audit_plan.create").await;
    assert_eq!(ev.len(), 1);
    assert!(
        ev[0]
            .after_json
            .as_deref()
            .unwrap()
            .contains("\"kind\":\"supervisor\"")
    );

    // The school sees it and answers; its staff read but do not answer.
    let mut officer = app.signed_in("xiaying.officer").await;
    let r = officer.get(&page).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("臺南市政府教育局") && r.body.contains("id=\"item-1.5\""));
    let mut dean = app.signed_in("xiaying.dean").await;
    let r = dean.get(&page).await;
    assert_eq!(r.status, 200);
    assert!(!r.body.contains("id=\"save-answers\""));
    assert_eq!(
        dean.post(&format!("{page}/answers"), &[("answer-2.2", "conforming")])
            .await
            .status,
        403
    );

    // Anything but 符合 without a note is refused beside the item; nothing is written.
    let before = app.audit_count().await;
    let r = officer
        .post(
            &format!("{page}/answers"),
            &[
                ("answer-1.1", "conforming"),
                ("note-1.1", ""),
                ("answer-2.2", "nonconforming"),
                ("note-2.2", "  "),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"note-2.2-error\""), "{}", r.body);
    assert!(r.body.contains("非「符合」之項目請說明"));
    assert_eq!(app.audit_count().await, before, "nothing written");

    let r = officer
        .post(
            &format!("{page}/answers"),
            &[
                ("answer-1.1", "conforming"),
                ("note-1.1", ""),
                ("answer-2.2", "partial"),
                ("note-2.2", "資通安全長已由校長指派，簽陳待補"),
                ("answer-1.5", "not_applicable"),
                ("note-1.5", "本校為 D 級"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let ev = app.events("audit_plan.answer").await;
    assert_eq!(ev.len(), 1);
    assert!(ev[0].after_json.as_deref().unwrap().contains("簽陳待補"));
    let r = officer.get(&page).await;
    assert!(r.body.contains("簽陳待補") && r.body.contains("已確認"));
    let r = officer.get("/agencies/xiaying-es/audits").await;
    assert!(r.body.contains("3 / 87"), "{}", r.body);

    // The form filled in: LibreOffice reads it, the answers and the proposals are in it.
    let (status, _, odt) = officer.get_bytes(&format!("{page}/checklist.odt")).await;
    assert_eq!(status, 200);
    let text = crate::incidents::pdf_text_of(&odt);
    for expected in [
        "資通安全實地稽核項目檢核表",
        "臺南市下營區下營國民小學",
        "簽陳待補",
        "安維建議",
        "紀錄文件",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    for ext in ["docx", "pdf"] {
        let (status, headers, bytes) = officer.get_bytes(&format!("{page}/checklist.{ext}")).await;
        assert_eq!(status, 200, "{ext}");
        assert!(!bytes.is_empty() && headers.get("content-disposition").is_some());
    }
}

#[tokio::test]
async fn an_agency_records_its_own_audits_but_not_as_its_supervisor() {
    let app = spawn_app().await;
    let mut officer = app.signed_in("xiaying.officer").await;
    officer.get("/agencies/xiaying-es/audits").await;
    let r = officer
        .post(
            "/agencies/xiaying-es/audits",
            &plan_fields(&[("kind", "supervisor")]),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"kind-error\""));
    let r = officer
        .post("/agencies/xiaying-es/audits", &plan_fields(&[]))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // The next plan carries this one's results in.
    let r = officer.get("/agencies/xiaying-es/audits").await;
    assert!(
        r.body.contains("內部稽核（臺南市下營區下營國民小學）"),
        "{}",
        r.body
    );
    // The school cannot audit the bureau above it, nor see its audits.
    assert_eq!(officer.get("/agencies/tainan-edu/audits").await.status, 404);
}

/// Proves a task with a linked record and completes it.
async fn complete(b: &mut Browser<'_>, task: &str, title: &str) {
    let r = b
        .post_multipart(
            &format!("/tasks/{task}/evidence"),
            &[
                ("title", title),
                ("url", "https://drive.example.tw/account-review"),
                ("effective_on", "115/03/02"),
                ("expires_on", ""),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = b
        .post(&format!("/tasks/{task}/action"), &[("action", "complete")])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
}

/// Plans the bureau's audit of 下營國小 and returns its page's path.
async fn bureau_audit(app: &TestApp, b: &mut Browser<'_>) -> String {
    b.get("/agencies/xiaying-es/audits").await;
    let r = b
        .post("/agencies/xiaying-es/audits", &plan_fields(&[]))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let _ = app;
    r.location().split('?').next().unwrap().to_string()
}

#[tokio::test]
async fn a_finding_s_corrective_action_is_a_duty_reviewed_until_it_works() {
    let app = spawn_app().await;
    let mut auditor = app.signed_in("tainan.auditor").await;
    let page = bureau_audit(&app, &mut auditor).await;
    auditor.get(&page).await;
    let officer_id = app.user_id("xiaying.officer").await.to_string();
    let finding = |overrides: &[(&'static str, &'static str)]| {
        let mut f = vec![
            ("item", "7.13"),
            ("class", "deficiency"),
            ("aspect", "technical"),
            ("description", "兩名離職教師之校務系統帳號仍可登入"),
            ("cause", "人事異動未通知資訊組"),
            ("similar", "清查全校帳號，另發現 1 個代課教師帳號"),
            ("corrective", "建立離職通知流程，並每季清查帳號"),
            ("due_on", "115/06/30"),
        ];
        for (k, v) in overrides {
            f.retain(|(x, _)| x != k);
            f.push((k, v));
        }
        f
    };

    // Bad input: beside each field, nothing written.
    let before = app.audit_count().await;
    let r = auditor
        .post(
            &format!("{page}/findings"),
            &finding(&[("cause", ""), ("due_on", "115/01/01"), ("class", "x")]),
        )
        .await;
    assert_eq!(r.status, 422);
    for field in ["cause", "due_on", "class"] {
        assert!(
            r.body.contains(&format!("id=\"{field}-error\"")),
            "{field}: {}",
            r.body
        );
    }
    assert_eq!(app.audit_count().await, before, "nothing written");

    let mut fields = finding(&[]);
    fields.push(("owner", officer_id.as_str()));
    let r = auditor.post(&format!("{page}/findings"), &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let ev = app.events("audit_finding.create").await;
    assert_eq!(ev.len(), 1);
    let task: serde_json::Value =
        serde_json::from_str(ev[0].after_json.as_deref().unwrap()).unwrap();
    let task = task["task"].as_str().unwrap().to_string();

    // The corrective action is the officer's duty; recomputing the year's duties keeps it.
    let cli = anwei_store::Actor::cli();
    let xiaying = app
        .store
        .agency_by_code(&cli, "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    let catalog = Catalog::load().unwrap();
    app.store
        .materialise_year(
            &cli,
            &catalog.obligations,
            xiaying.id,
            2026,
            anwei_domain::clock::Clock::now(&app.clock),
        )
        .await
        .unwrap();
    let mut officer = app.signed_in("xiaying.officer").await;
    let r = officer.get(&format!("/tasks/{task}")).await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("執行稽核發現事項之改善措施") && r.body.contains("稽核發現第 1 項"),
        "{}",
        r.body
    );

    // Not reviewable before it is done with evidence.
    let finding_id = app
        .store
        .findings_of(&app.store.audits_of(&xiaying).await.unwrap()[0])
        .await
        .unwrap()[0]
        .id;
    let review = format!("{page}/findings/{finding_id}/review");
    let before = app.audit_count().await;
    let r = auditor
        .post(&review, &[("outcome", "effective"), ("review_note", "x")])
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("改善措施完成並附佐證後才能審查"),
        "{}",
        r.body
    );
    assert_eq!(app.audit_count().await, before);

    complete(&mut officer, &task, "離職帳號停用紀錄").await;
    // Not effective: the action goes back to the officer.
    let r = auditor
        .post(
            &review,
            &[
                ("outcome", "not_effective"),
                ("review_note", "抽查仍有 1 個代課教師帳號未停用"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(app.events("audit_finding.reopen").await.len(), 1);
    let r = officer.get(&format!("/tasks/{task}")).await;
    assert!(
        r.body.contains("抽查仍有 1 個代課教師帳號未停用"),
        "{}",
        r.body
    );
    complete(&mut officer, &task, "代課教師帳號停用紀錄").await;
    let r = auditor
        .post(
            &review,
            &[
                ("outcome", "effective"),
                ("review_note", "抽查 5 個帳號皆已停用"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(app.events("audit_finding.close").await.len(), 1);
    // A closed finding is not reviewed again.
    let r = auditor
        .post(
            &review,
            &[("outcome", "effective"), ("review_note", "again")],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);

    // The report, read back by LibreOffice.
    let (status, _, odt) = officer.get_bytes(&format!("{page}/report.odt")).await;
    assert_eq!(status, 200);
    let text = crate::incidents::pdf_text_of(&odt);
    for expected in [
        "稽核結果及改善報告",
        "人事異動未通知資訊組",
        "抽查5個帳號皆已停用",
        "已結案",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    // The bureau sees its school's findings closed on time.
    let r = auditor.get("/agencies/tainan-edu/audits").await;
    assert!(r.body.contains("id=\"findings-below\""), "{}", r.body);
    assert!(
        r.body.contains(
            "下營國民小學</a></td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">0</td>"
        ),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn scripts_read_the_proposed_checklist_through_the_api() {
    let app = spawn_app().await;
    let token = app.token_of("xiaying.officer").await;
    let r = app
        .bearer_get(
            &token,
            "/api/v1/agencies/xiaying-es/checklist?year=2026&checklist=gov-115",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 87);
    let item = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["number"] == "9.8")
        .unwrap();
    assert_eq!(item["answer"], "not_applicable");
    // the same answers the command line prints
    let out = app.cli(
        &[
            "checklist",
            "--agency",
            "xiaying-es",
            "--year",
            "2026",
            "--format",
            "json",
        ],
        None,
    );
    let cli: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let answers = |v: &serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| format!("{}={}", i["number"], i["answer"]))
            .collect()
    };
    // (the command line reads the wall clock, the server its test clock: compare what does not
    // depend on the day — the items and which are not applicable)
    let na = |v: &serde_json::Value| -> Vec<String> {
        answers(v)
            .into_iter()
            .filter(|a| a.ends_with("\"not_applicable\""))
            .collect()
    };
    assert_eq!(answers(&v).len(), answers(&cli).len());
    assert_eq!(na(&v), na(&cli));
    // another school's token sees nothing of it; a bad year is a clear 4xx
    let other = app.token_of("tuku.officer").await;
    assert_eq!(
        app.bearer_get(&other, "/api/v1/agencies/xiaying-es/checklist")
            .await
            .status,
        404
    );
    let r = app
        .bearer_get(&token, "/api/v1/agencies/xiaying-es/checklist?year=abc")
        .await;
    assert!(r.status >= 400 && r.status < 500, "{}", r.status);
    let r = app
        .bearer_get(
            &token,
            "/api/v1/agencies/xiaying-es/checklist?checklist=gov-999",
        )
        .await;
    assert_eq!(r.status, 404);
}
