//! Issue 21 items 2, 3 and 6: the responsibility level is decided for an agency, never by it; a
//! new level changes what the lint and the risk assessment expect; the lint knows what the law
//! requires the plan to say.

use crate::support::*;

async fn level_of(app: &TestApp, code: &str) -> Option<String> {
    app.store
        .agency_by_code(&anwei_store::Actor::cli(), code)
        .await
        .unwrap()
        .unwrap()
        .level
        .clone()
}

fn lint_json(app: &TestApp) -> serde_json::Value {
    let out = app.cli(
        &[
            "plan",
            "lint",
            "--agency",
            "xiaying-es",
            "--on",
            "2026-11-24",
            "--format",
            "json",
        ],
        None,
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

fn rules_of(lint: &serde_json::Value) -> Vec<String> {
    lint.as_array()
        .or_else(|| lint["findings"].as_array())
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn item2_a_school_proposes_and_only_its_supervisor_decides_the_level() {
    let app = spawn_app().await;
    let mut school = app.signed_in("xiaying.officer").await;
    let form = school.get("/agencies/xiaying-es/edit").await;
    assert_eq!(form.status, 200);
    assert!(
        !form.body.contains("name=\"level\""),
        "no level field for the school"
    );
    assert!(form.body.contains("id=\"level-decided-above\""));
    let before = app.audit_count().await;
    let r = school
        .post(
            "/agencies/xiaying-es/edit",
            &[
                ("name", "臺南市下營區下營國民小學"),
                ("kind", "school"),
                ("level", "C"),
            ],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("上級機關"), "{}", r.body);
    assert_eq!(app.audit_count().await, before, "nothing written");
    assert_eq!(level_of(&app, "xiaying-es").await.as_deref(), Some("D"));
    // The profile itself can still be edited; the level stays.
    let r = school
        .post(
            "/agencies/xiaying-es/edit",
            &[("name", "臺南市下營區下營國民小學"), ("kind", "school")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(level_of(&app, "xiaying-es").await.as_deref(), Some("D"));
    // A proposal needs its reason, and changes nothing by itself.
    school.get("/agencies/xiaying-es").await;
    let r = school
        .post(
            "/agencies/xiaying-es/level-proposals",
            &[("proposal_level", "C"), ("proposal_reason", "")],
        )
        .await;
    assert_eq!(r.status, 422);
    let r = school
        .post(
            "/agencies/xiaying-es/level-proposals",
            &[
                ("proposal_level", "C"),
                ("proposal_reason", "本校自 115 年起自行維運校務行政系統。"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(level_of(&app, "xiaying-es").await.as_deref(), Some("D"));
    let page = school.get("/agencies/xiaying-es").await;
    assert!(page.body.contains("待上級機關核定") && !page.body.contains("id=\"approve-level\""));
    let proposal = app
        .store
        .level_proposals(
            &app.store
                .agency_by_code(&anwei_store::Actor::cli(), "xiaying-es")
                .await
                .unwrap()
                .unwrap(),
        )
        .await
        .unwrap()[0]
        .id;
    let decide = format!("/agencies/xiaying-es/level-proposals/{proposal}/decide");
    // Not the school itself, not its 資通安全長, not another school.
    let r = school
        .post(
            &decide,
            &[
                ("decision", "approve"),
                ("letter_no", "x"),
                ("letter_date", "115/03/01"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    let mut principal = app.signed_in("xiaying.principal").await;
    let r = principal
        .post(
            &decide,
            &[
                ("decision", "approve"),
                ("letter_no", "x"),
                ("letter_date", "115/03/01"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    let mut tuku = app.signed_in("tuku.officer").await;
    let r = tuku
        .post(
            &decide,
            &[
                ("decision", "approve"),
                ("letter_no", "x"),
                ("letter_date", "115/03/01"),
            ],
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(level_of(&app, "xiaying-es").await.as_deref(), Some("D"));
    // The bureau approves with the letter's number and date.
    let duties_before = app
        .cli(
            &[
                "obligations",
                "--agency",
                "xiaying-es",
                "--year",
                "2026",
                "--format",
                "json",
            ],
            None,
        )
        .stdout;
    let mut bureau = app.signed_in("tainan.officer").await;
    let page = bureau.get("/agencies/xiaying-es").await;
    assert!(page.body.contains("id=\"approve-level\""), "{}", page.body);
    let r = bureau
        .post(
            &decide,
            &[
                ("decision", "approve"),
                ("letter_no", ""),
                ("letter_date", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("letter_no-error") && r.body.contains("letter_date-error"));
    let r = bureau
        .post(
            &decide,
            &[
                ("decision", "approve"),
                ("letter_no", "南市教資字第1150300001號"),
                ("letter_date", "115/03/01"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let a = app
        .store
        .agency_by_code(&anwei_store::Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.level.as_deref(), Some("C"));
    assert_eq!(
        a.level_approved_on,
        Some(time::macros::date!(2026 - 03 - 01))
    );
    assert!(
        a.level_basis
            .clone()
            .unwrap()
            .contains("南市教資字第1150300001號")
    );
    let duties_after = app
        .cli(
            &[
                "obligations",
                "--agency",
                "xiaying-es",
                "--year",
                "2026",
                "--format",
                "json",
            ],
            None,
        )
        .stdout;
    assert_ne!(
        duties_before, duties_after,
        "duties recomputed from the new level"
    );
    assert_eq!(app.events("agency.level_decided").await.len(), 1);
    assert_eq!(app.events("agency.level_proposed").await.len(), 1);
    // Once decided, never again.
    let r = bureau
        .post(&decide, &[("decision", "reject"), ("note", "x")])
        .await;
    assert_eq!(r.status, 409);
}

/// Issue 21 item 3: at the new level the lint flags the old level's exemptions and the clauses
/// the new level requires, and the centralisation exemption of the risk assessment is refused.
#[tokio::test]
async fn item3_the_lint_and_the_risk_exemption_read_the_level_in_force() {
    let app = spawn_app().await;
    let at_d = rules_of(&lint_json(&app));
    assert!(
        !at_d.iter().any(|r| r.starts_with("level-statement")),
        "{at_d:#?}"
    );
    assert!(
        !at_d.iter().any(|r| r.contains("資訊安全管理系統")),
        "{at_d:#?}"
    );
    let actor = anwei_store::Actor::cli();
    let school = app
        .store
        .agency_by_code(&actor, "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    let profile = anwei_store::agencies::AgencyProfile {
        name: school.name.clone(),
        kind: anwei_domain::agency::AgencyKind::School,
        level: Some(anwei_domain::agency::ResponsibilityLevel::C),
        level_approved_on: Some(time::macros::date!(2026 - 03 - 01)),
        level_basis: Some("核定文號 測試".into()),
    };
    app.store
        .update_agency(
            &actor,
            &school,
            &profile,
            anwei_domain::clock::Clock::now(&app.clock),
        )
        .await
        .unwrap();
    let at_c = rules_of(&lint_json(&app));
    for wanted in [
        "業務持續運作",
        "健診",
        "資訊安全管理系統",
        "資通安全專職人員",
        "內部資通安全稽核",
    ] {
        assert!(
            at_c.iter().any(|r| r.contains(wanted)),
            "{wanted}: {at_c:#?}"
        );
    }
    assert_eq!(
        at_c.iter()
            .filter(|r| r.starts_with("level-statement"))
            .count(),
        2,
        "{at_c:#?}"
    );
    let mut b = app.signed_in("xiaying.officer").await;
    b.get("/agencies/xiaying-es/risks").await;
    let r = b
        .post(
            "/agencies/xiaying-es/risks/exempt",
            &[("reason", "系統均由教育局代管")],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("C 級以上"), "{}", r.body);
}

/// Issue 21 item 6: the law's requirements the seed plan misses — the ban on products
/// endangering national security, the outsourcing contract's items, the training category's
/// current name — are found, each with its citation.
#[tokio::test]
async fn item6_the_lint_knows_what_the_law_requires_the_plan_to_say() {
    let app = spawn_app().await;
    let findings = lint_json(&app);
    let list = findings
        .as_array()
        .or_else(|| findings["findings"].as_array())
        .unwrap()
        .clone();
    let find = |needle: &str| {
        list.iter()
            .find(|f| f["message"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("{needle}: {list:#?}"))
            .clone()
    };
    let banned = find("危害國家資通安全產品");
    assert!(banned["citation"].as_str().unwrap().contains("§11"));
    let outsourcing = find("委外章節未涵蓋");
    let message = outsourcing["message"].as_str().unwrap();
    for clause in ["複委託", "國家機密", "安全性檢測", "返還"] {
        assert!(message.contains(clause), "{message}");
    }
    assert!(
        outsourcing["citation"]
            .as_str()
            .unwrap()
            .contains("施行細則 §7")
    );
    let training = find("「一般資通安全教育訓練」已修正，應改為「資通安全通識教育訓練」");
    assert_eq!(training["rule"], "renumbered");
}

/// Issue 21 item 3: a level change supersedes the old level's tasks that counted from its
/// approval (the re-approval within 36 months restarts from the new approval): one open
/// re-approval task remains, the old one is in the year's history (not deleted), the page
/// shows it as superseded, and the page and the command line list the same duties.
#[tokio::test]
async fn item3_a_level_change_supersedes_the_old_levels_tasks_and_keeps_them() {
    let app = spawn_app().await;
    let actor = anwei_store::Actor::cli();
    let school = app
        .store
        .agency_by_code(&actor, "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    let reapprovals = |tasks: &[anwei_store::obligations::TaskRow]| -> Vec<time::Date> {
        tasks
            .iter()
            .filter(|t| t.obligation_key.starts_with("level-reapproval"))
            .map(|t| t.due_on)
            .collect()
    };
    let before = app
        .store
        .tasks(&actor, Some(school.id), 2026)
        .await
        .unwrap();
    assert_eq!(reapprovals(&before).len(), 1, "{:?}", reapprovals(&before));
    let mut sup = app.signed_in("tainan.officer").await;
    sup.get("/agencies/xiaying-es/edit").await;
    let r = sup
        .post(
            "/agencies/xiaying-es/edit",
            &[
                ("name", "臺南市下營區下營國民小學"),
                ("kind", "school"),
                ("level", "C"),
                ("level_approved_on", "115/03/01"),
                ("level_basis", "府教資字第1150000002號"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = app
        .store
        .tasks(&actor, Some(school.id), 2026)
        .await
        .unwrap();
    assert_eq!(
        reapprovals(&after),
        [time::macros::date!(2029 - 03 - 01)],
        "one re-approval, counted from the new approval"
    );
    let superseded = app.store.superseded_tasks(&school, 2026).await.unwrap();
    assert!(
        superseded
            .iter()
            .any(|t| t.obligation_key.starts_with("level-reapproval")
                && reapprovals(&before).contains(&t.due_on)),
        "{superseded:?}"
    );
    assert!(
        superseded
            .iter()
            .all(|t| t.superseded_by == "tainan.officer")
    );
    let mut b = app.signed_in("xiaying.officer").await;
    let page = b.get("/agencies/xiaying-es/obligations?year=2026").await;
    assert!(page.body.contains("id=\"superseded\""), "{}", page.body);
    assert!(page.body.contains("已被取代之應辦事項"));
    // the page's task links and the command line's rows are the same duties
    let on_page = page.body.matches("href=\"/tasks/").count();
    let cli = app.cli(
        &[
            "obligations",
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
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    let listed = listed["tasks"].as_array().map(Vec::len).unwrap();
    assert_eq!(on_page, listed);
    assert_eq!(listed, after.len());
}
