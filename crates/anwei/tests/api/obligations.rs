//! 應辦事項: the demo school's duties with their citations, a level change, tasks completed with
//! evidence, the 資通安全長's decisions, reminders through a real SMTP server (once, with two
//! instances on one database), the calendar feed, and tenant isolation of all of it.

use crate::support::{MailSink, TestApp, decode_mail, spawn_app};
use anwei_store::Actor;
use time::macros::datetime;

/// The id of the demo school's task for `key` in `period` (e.g. 2026-Q1).
async fn task_id(app: &TestApp, agency: &str, key: &str, period: &str) -> String {
    let a = app
        .store
        .agency_by_code(&Actor::cli(), agency)
        .await
        .unwrap()
        .unwrap();
    let tasks = app
        .store
        .tasks(&Actor::cli(), Some(a.id), 2026)
        .await
        .unwrap();
    tasks
        .iter()
        .find(|t| t.obligation_key == key && t.period_key == period)
        .unwrap_or_else(|| {
            panic!(
                "no task {key} {period} among {:?}",
                tasks
                    .iter()
                    .map(|t| (&t.obligation_key, &t.period_key))
                    .collect::<Vec<_>>()
            )
        })
        .id
        .to_string()
}

#[tokio::test]
async fn the_demo_school_sees_this_years_duties_with_their_citations() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let r = b.get("/agencies/xiaying-es/obligations").await;
    assert_eq!(r.status, 200);
    for text in [
        "防毒軟體",
        "網路防火牆",
        "一般使用者及主管",
        "資訊人員",
        "實施情形",
        "清查系統特權帳號",
        "115年第1季",
        "資通安全管理審查會議",
        "擬定年度資通安全認知宣導及教育訓練計畫",
    ] {
        assert!(r.body.contains(text), "missing {text}");
    }
    // a D school owes no C duty
    assert!(!r.body.contains("CNS 27001"));
    // each task shows its citation
    let id = task_id(&app, "xiaying-es", "training-it-staff", "2026").await;
    let r = b.get(&format!("/tasks/{id}")).await;
    assert!(
        r.body.contains("附表一、三、五、七 認知與訓練（115.1.7）"),
        "{}",
        r.body
    );
    // the same list from the command line, with citations
    let out = app.cli(
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
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tasks = v["tasks"].as_array().unwrap();
    for key in [
        "antivirus",
        "firewall",
        "training-general",
        "training-it-staff",
        "implementation-report",
    ] {
        let t = tasks
            .iter()
            .find(|t| t["obligation"] == key)
            .unwrap_or_else(|| panic!("{key}"));
        assert!(!t["citations"].as_array().unwrap().is_empty());
    }
    let table = app.cli(
        &["obligations", "--agency", "xiaying-es", "--year", "2026"],
        None,
    );
    assert!(
        String::from_utf8_lossy(&table.stdout).contains("privileged")
            || String::from_utf8_lossy(&table.stdout).contains("Privileged")
    );
    let bad = app.cli(
        &["obligations", "--agency", "xiaying-es", "--year", "1999"],
        None,
    );
    assert!(!bad.status.success());
    assert_eq!(String::from_utf8_lossy(&bad.stderr).lines().count(), 1);
}

#[tokio::test]
async fn a_change_to_level_c_adds_the_c_duties_from_the_change_date() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    // the level is decided by the supervisor (issue 21 item 2)
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
    let r = b.get("/agencies/xiaying-es/obligations").await;
    for text in ["CNS 27001", "資通安全專職人員", "資通系統分級", "入侵偵測"] {
        assert!(r.body.contains(text), "missing {text}");
    }
    let a = app
        .store
        .agency_by_code(&Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    let tasks = app
        .store
        .tasks(&Actor::cli(), Some(a.id), 2026)
        .await
        .unwrap();
    let isms = tasks.iter().find(|t| t.obligation_key == "isms").unwrap();
    assert_eq!(isms.starts_on, time::macros::date!(2026 - 03 - 01));
    assert_eq!(isms.due_on, time::macros::date!(2028 - 03 - 01));
    // periodic C items start the year after the change
    assert!(!tasks.iter().any(|t| t.obligation_key == "internal-audit-c"));
    let history = app.store.level_history(&a).await.unwrap();
    assert_eq!(history.last().unwrap().level.as_deref(), Some("C"));
}

#[tokio::test]
async fn a_task_is_completed_with_evidence_that_is_verified_on_download() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let id = task_id(&app, "xiaying-es", "privileged-account-review", "2026-Q1").await;
    b.get(&format!("/tasks/{id}")).await;
    // evidence is required before completion
    let r = b
        .post(&format!("/tasks/{id}/action"), &[("action", "complete")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("須附佐證資料"), "{}", r.body);
    let pdf = b"%PDF-1.4\n% 115Q1 privileged account review\n%%EOF\n".to_vec();
    let r = b
        .post_multipart(
            &format!("/tasks/{id}/evidence"),
            &[
                ("title", "115年第1季特權帳號清查紀錄"),
                ("url", ""),
                ("effective_on", "115/03/01"),
                ("expires_on", ""),
            ],
            Some(("清查紀錄.pdf", &pdf)),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = b.get(&format!("/tasks/{id}")).await;
    assert!(
        r.body.contains("清查紀錄.pdf") && r.body.contains("民國115年3月1日"),
        "{}",
        r.body
    );
    let ev = app
        .store
        .evidence_of_task(id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(ev.len(), 1);
    assert_eq!(
        ev[0].sha256.as_deref(),
        Some(anwei_domain::evidence::sha256_hex(&pdf).as_str())
    );
    let (status, headers, bytes) = b.get_bytes(&format!("/evidence/{}", ev[0].id)).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, pdf);
    assert_eq!(headers["content-type"], "application/pdf");
    // now it can be completed
    let r = b
        .post(
            &format!("/tasks/{id}/action"),
            &[("action", "complete"), ("note", "已清查 3 個特權帳號")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let task = app
        .store
        .task(&Actor::cli(), id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(task.status, "done");
    assert_eq!(task.completed_by.as_deref(), Some("xiaying.officer"));
    assert_eq!(app.events("task.status").await.len(), 1);
    assert_eq!(app.events("evidence.add").await.len(), 1);
    // the same evidence serves another task
    let q2 = task_id(&app, "xiaying-es", "account-review", "2026-H1").await;
    b.get(&format!("/tasks/{q2}")).await;
    let r = b
        .post(
            &format!("/tasks/{q2}/evidence/link"),
            &[("evidence_id", &ev[0].id.to_string())],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        app.store
            .evidence_of_task(q2.parse().unwrap())
            .await
            .unwrap()
            .len(),
        1
    );
    // another school can neither fetch the file nor see the task
    let mut other = app.signed_in("tuku.officer").await;
    assert_eq!(
        other.get_bytes(&format!("/evidence/{}", ev[0].id)).await.0,
        404
    );
    assert_eq!(other.get(&format!("/tasks/{id}")).await.status, 404);
    // a file altered on disk is never served
    let sha = ev[0].sha256.clone().unwrap();
    let path = app.files_dir.join(&sha[..2]).join(&sha);
    std::fs::write(&path, b"%PDF-1.4 altered").unwrap();
    let (status, _, bytes) = b.get_bytes(&format!("/evidence/{}", ev[0].id)).await;
    assert_eq!(status, 500);
    assert!(String::from_utf8_lossy(&bytes).contains("完整性"));
}

#[tokio::test]
async fn bad_evidence_is_refused_next_to_the_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let id = task_id(&app, "xiaying-es", "asset-inventory", "2026").await;
    b.get(&format!("/tasks/{id}")).await;
    // the demo's published plan documents are there already
    let before = crate::support::files_under(&app.files_dir);
    let fields = [
        ("title", "資產盤點"),
        ("url", ""),
        ("effective_on", ""),
        ("expires_on", ""),
    ];
    let too_big = vec![b'%'; 1024 * 1024 + 1];
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("big.pdf", too_big, "上限"),
        ("tool.exe", b"MZ\x90\x00".to_vec(), "不接受此檔案類型"),
        ("fake.pdf", b"MZ\x90\x00".to_vec(), "不符"),
        ("empty.pdf", Vec::new(), "請選擇"),
    ];
    for (name, bytes, message) in cases {
        let r = b
            .post_multipart(
                &format!("/tasks/{id}/evidence"),
                &fields,
                Some((name, &bytes)),
            )
            .await;
        assert_eq!(r.status, 422, "{name}");
        assert!(r.body.contains(message), "{name}: {}", r.body);
        assert!(r.body.contains("aria-invalid=\"true\""), "{name}");
    }
    let r = b
        .post_multipart(
            &format!("/tasks/{id}/evidence"),
            &[
                ("title", "x"),
                ("url", "javascript:alert(1)"),
                ("effective_on", ""),
                ("expires_on", ""),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, 422);
    let r = b
        .post_multipart(
            &format!("/tasks/{id}/evidence"),
            &[
                ("title", "x"),
                ("url", ""),
                ("effective_on", "116/01/01"),
                ("expires_on", ""),
            ],
            Some(("a.txt", "盤點清單".as_bytes())),
        )
        .await;
    assert_eq!(r.status, 422, "an effective date in the future");
    assert!(
        app.store
            .evidence_of_task(id.parse().unwrap())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(app.events("evidence.").await.is_empty());
    let stored = crate::support::files_under(&app.files_dir);
    assert_eq!(stored, before, "no file kept");
    // a task of another agency cannot take evidence
    let tuku = task_id(&app, "tuku-es", "asset-inventory", "2026").await;
    let r = b
        .post_multipart(
            &format!("/tasks/{tuku}/evidence"),
            &fields,
            Some(("a.txt", b"x")),
        )
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn not_applicable_needs_a_reason_and_the_cisos_approval() {
    let app = spawn_app().await;
    let id = task_id(&app, "xiaying-es", "risk-assessment", "2026").await;
    let mut officer = app.signed_in("xiaying.officer").await;
    officer.get(&format!("/tasks/{id}")).await;
    let r = officer
        .post(
            &format!("/tasks/{id}/action"),
            &[("action", "request_na"), ("note", "")],
        )
        .await;
    assert_eq!(r.status, 422);
    let r = officer
        .post(
            &format!("/tasks/{id}/action"),
            &[
                ("action", "request_na"),
                ("note", "資訊系統全部由教育局代管（向上集中）"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = officer
        .post(&format!("/tasks/{id}/action"), &[("action", "approve")])
        .await;
    assert_eq!(r.status, 403);
    let mut ciso = app.signed_in("xiaying.principal").await;
    let r = ciso.get(&format!("/tasks/{id}")).await;
    assert!(
        r.body.contains("申請不適用") && r.body.contains("approve-task"),
        "{}",
        r.body
    );
    let r = ciso
        .post(&format!("/tasks/{id}/action"), &[("action", "approve")])
        .await;
    assert_eq!(r.status, 303);
    let task = app
        .store
        .task(&Actor::cli(), id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(task.status, "not_applicable");
    assert_eq!(task.decided_by.as_deref(), Some("xiaying.principal"));
    // the staff member, not assigned, may read but not act
    let mut staff = app.signed_in("xiaying.dean").await;
    let other = task_id(&app, "xiaying-es", "software-inventory", "2026").await;
    assert_eq!(staff.get(&format!("/tasks/{other}")).await.status, 200);
    assert_eq!(
        staff
            .post(&format!("/tasks/{other}/action"), &[("action", "complete")])
            .await
            .status,
        403
    );
    // the CISO requires approval of completions; the officer's completion then waits for it
    let r = ciso
        .post(
            "/agencies/xiaying-es/obligations/settings",
            &[
                ("obligation_key", "software-inventory"),
                ("assignee", ""),
                ("requires_approval", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    officer.get(&format!("/tasks/{other}")).await;
    officer
        .post_multipart(
            &format!("/tasks/{other}/evidence"),
            &[
                ("title", "軟體清查表"),
                ("url", "https://drive.example/sheet"),
                ("effective_on", ""),
                ("expires_on", ""),
            ],
            None,
        )
        .await;
    let r = officer
        .post(&format!("/tasks/{other}/action"), &[("action", "complete")])
        .await;
    assert_eq!(r.status, 303);
    let t = app
        .store
        .task(&Actor::cli(), other.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t.status, "submitted");
    // the officer cannot switch the requirement off
    let r = officer
        .post(
            "/agencies/xiaying-es/obligations/settings",
            &[("obligation_key", "software-inventory"), ("assignee", "")],
        )
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn supervisors_read_the_subtree_and_change_nothing() {
    let app = spawn_app().await;
    let id = task_id(&app, "xiaying-es", "asset-inventory", "2026").await;
    let mut auditor = app.signed_in("tainan.auditor").await;
    assert_eq!(
        auditor.get("/agencies/xiaying-es/obligations").await.status,
        200
    );
    assert_eq!(auditor.get(&format!("/tasks/{id}")).await.status, 200);
    let r = auditor.get("/").await;
    assert!(
        r.body.contains("下營") && r.body.contains("%"),
        "dashboard shows each school's rate"
    );
    assert_eq!(
        auditor
            .post(&format!("/tasks/{id}/action"), &[("action", "complete")])
            .await
            .status,
        403
    );
    assert_eq!(
        auditor
            .post(
                "/agencies/xiaying-es/obligations/refresh",
                &[("year", "2026")]
            )
            .await
            .status,
        403
    );
    let mut other = app.signed_in("tuku.officer").await;
    assert_eq!(
        other.get("/agencies/xiaying-es/obligations").await.status,
        404
    );
    assert_eq!(
        other
            .post(&format!("/tasks/{id}/action"), &[("action", "complete")])
            .await
            .status,
        404
    );
    assert_eq!(
        other
            .post(&format!("/tasks/{id}/assign"), &[("assignee", "")])
            .await
            .status,
        404
    );
    // an officer cannot give a task to someone of another agency
    let mut officer = app.signed_in("xiaying.officer").await;
    officer.get(&format!("/tasks/{id}")).await;
    let stranger = app.user_id("tuku.officer").await.to_string();
    let r = officer
        .post(&format!("/tasks/{id}/assign"), &[("assignee", &stranger)])
        .await;
    assert_eq!(r.status, 422);
    let dean = app.user_id("xiaying.dean").await.to_string();
    let r = officer
        .post(&format!("/tasks/{id}/assign"), &[("assignee", &dean)])
        .await;
    assert_eq!(r.status, 303);
}

/// Reminders go through a real SMTP server, in Chinese, and each arrives once although two
/// instances scan and send at the same time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_arrive_once_in_a_real_mailbox_with_two_instances() {
    let app = spawn_app().await;
    let sink = MailSink::start(0);
    // 2026-03-24 09:00 Taipei: the Q1 reviews are due in 7 days; January's duties are overdue
    app.clock.set(datetime!(2026-03-24 01:00 UTC));
    let one = app.worker(Some(&sink)).await;
    let two = app.worker(Some(&sink)).await;
    let (a, b) = tokio::join!(one.pass(), two.pass());
    let (a, b) = (a.unwrap(), b.unwrap());
    let (a2, b2) = tokio::join!(one.pass(), two.pass());
    let (a2, b2) = (a2.unwrap(), b2.unwrap());
    let queued = a.queued + b.queued + a2.queued + b2.queued;
    let sent = a.sent + b.sent + a2.sent + b2.sent;
    assert!(queued > 0);
    assert_eq!(sent, queued, "every queued reminder sent exactly once");
    let mails = sink.messages();
    assert_eq!(mails.len(), queued);
    let decoded: Vec<(String, String)> = mails.iter().map(|m| decode_mail(m)).collect();
    let mut seen = std::collections::BTreeSet::new();
    for (m, (subject, _)) in mails.iter().zip(&decoded) {
        let to = m.lines().next().unwrap().to_string();
        assert!(seen.insert((to, subject.clone())), "duplicate: {subject}");
    }
    let (subject, body) = decoded
        .iter()
        .find(|(s, _)| s.contains("清查系統特權帳號"))
        .cloned()
        .unwrap_or_else(|| panic!("{decoded:?}"));
    assert!(
        subject.contains("115年第1季") && subject.contains("將於 7 日後到期"),
        "{subject}"
    );
    assert!(body.contains("https://anwei.test/tasks/"), "{body}");
    // the overdue January duty goes to the CISO too
    let ciso_mail = mails.iter().zip(&decoded).find(|(m, (s, _))| {
        m.starts_with("X-Envelope-To: principal@xiaying-es.example") && s.starts_with("[安維] 逾期")
    });
    assert!(ciso_mail.is_some(), "{decoded:?}");
    // a restart (a new worker) queues nothing again the same day
    app.clock.advance(time::Duration::hours(2));
    let three = app.worker(Some(&sink)).await;
    let p = three.pass().await.unwrap();
    assert_eq!(p.queued, 0);
    assert_eq!(sink.messages().len(), queued);
    assert!(!app.events("mail.sent").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_message_is_retried_and_a_bad_address_is_shown_for_resending() {
    let app = spawn_app().await;
    let sink = MailSink::start(1);
    app.store
        .enqueue_mail(
            &[anwei_store::outbox::NewMail {
                agency_id: None,
                dedupe_key: "test:one".into(),
                to_addr: "officer@xiaying-es.example".into(),
                subject: "測試".into(),
                body: "內容".into(),
            }],
            datetime!(2026-03-02 01:00 UTC),
        )
        .await
        .unwrap();
    // this test is about one message: keep the scheduled jobs from queueing reminders
    let now = anwei_domain::clock::Clock::now(&app.clock);
    for job in ["reminders", "materialise"] {
        assert!(
            app.store
                .claim_job(job, "test", now, now + time::Duration::days(365))
                .await
                .unwrap()
        );
    }
    let w = app.worker(Some(&sink)).await;
    let p = w.pass().await.unwrap();
    assert_eq!(
        (p.sent, p.failed),
        (0, 1),
        "the first attempt is refused with 451"
    );
    // not retried before its back-off
    assert_eq!(w.pass().await.unwrap().sent, 0);
    app.clock.advance(time::Duration::minutes(2));
    let p = w.pass().await.unwrap();
    assert_eq!(p.sent, 1);
    let all = app.store.outbox(&Actor::cli(), 10).await.unwrap();
    let row = all.iter().find(|r| r.dedupe_key == "test:one").unwrap();
    assert_eq!((row.status.as_str(), row.attempts), ("sent", 2));
    assert_eq!(sink.messages().len(), 1);

    // an address that can never work fails at once and waits on the outbox page
    let a = app
        .store
        .agency_by_code(&Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    app.store
        .enqueue_mail(
            &[anwei_store::outbox::NewMail {
                agency_id: Some(a.id),
                dedupe_key: "test:bad".into(),
                to_addr: "not an address".into(),
                subject: "壞地址".into(),
                body: "x".into(),
            }],
            anwei_domain::clock::Clock::now(&app.clock),
        )
        .await
        .unwrap();
    let p = w.pass().await.unwrap();
    assert_eq!(p.failed, 1);
    let mut ciso = app.signed_in("xiaying.principal").await;
    let r = ciso.get("/outbox").await;
    assert!(
        r.body.contains("壞地址") && r.body.contains("寄送失敗"),
        "{}",
        r.body
    );
    let bad = app
        .store
        .outbox(&Actor::cli(), 10)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.dedupe_key == "test:bad")
        .unwrap();
    assert_eq!(bad.status, "failed");
    let r = ciso.post(&format!("/outbox/{}/retry", bad.id), &[]).await;
    assert_eq!(r.status, 303);
    // another school's CISO-less officer cannot see it
    let mut tuku = app.signed_in("tuku.officer").await;
    assert_eq!(tuku.get("/outbox").await.status, 403);
}

#[tokio::test]
async fn the_calendar_feed_parses_and_can_be_switched_off() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    b.get("/calendar").await;
    let r = b.post("/calendar", &[]).await;
    assert_eq!(r.status, 200);
    let start = r
        .body
        .find("https://anwei.test/calendar/")
        .expect("the URL is shown once");
    let url = &r.body[start..];
    let url = &url[..url.find('"').unwrap()];
    let path = url.strip_prefix("https://anwei.test").unwrap();
    // calendar apps carry no cookies
    let resp = app
        .client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = resp.text().await.unwrap();
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let cal = parser.next().expect("one calendar").expect("parses");
    assert!(cal.events.len() >= 10, "{}", cal.events.len());
    let prop = |e: &ical::parser::ical::component::IcalEvent, name: &str| {
        e.properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
            .unwrap_or_default()
    };
    let q1 = cal
        .events
        .iter()
        .find(|e| prop(e, "SUMMARY").contains("115年第1季 清查系統特權帳號"))
        .expect("Q1 review in the feed");
    assert_eq!(prop(q1, "DTSTART"), "20260331");
    // switched off: the same URL is gone
    b.get("/calendar").await;
    assert_eq!(b.post("/calendar/revoke", &[]).await.status, 303);
    let resp = app
        .client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    // a guessed address opens nothing
    let resp = app
        .client
        .get(format!("{}/calendar/cal_guess.ics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn an_agency_sets_its_own_frequency_and_an_impossible_one_is_refused() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    b.get("/agencies/xiaying-es/obligations/settings").await;
    let before = app.audit_count().await;
    let r = b
        .post(
            "/agencies/xiaying-es/obligations/settings",
            &[
                ("obligation_key", "backup-verification"),
                ("assignee", ""),
                ("recurrence", "every 0 days"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("無法排定") && r.body.contains("recurrence-backup-verification-error"),
        "{}",
        r.body
    );
    assert_eq!(app.audit_count().await, before, "nothing saved");
    let r = b
        .post(
            "/agencies/xiaying-es/obligations/settings",
            &[
                ("obligation_key", "backup-verification"),
                ("assignee", ""),
                ("recurrence", "quarterly"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let a = app
        .store
        .agency_by_code(&Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    let tasks = app
        .store
        .tasks(&Actor::cli(), Some(a.id), 2026)
        .await
        .unwrap();
    let periods: Vec<&str> = tasks
        .iter()
        .filter(|t| t.obligation_key == "backup-verification")
        .map(|t| t.period_key.as_str())
        .collect();
    assert_eq!(periods, ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]);
}
