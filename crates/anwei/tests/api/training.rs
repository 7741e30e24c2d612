//! 資通安全教育訓練: the ledger against the catalog's rules, courses and attendance through the
//! pages, bad input, who may see and change what, and the ledger on the command line.

use crate::support::*;
use anwei_store::Actor;

async fn person_id(app: &TestApp, name: &str) -> String {
    let a = app
        .store
        .agency_by_code(&Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    app.store
        .people(&a)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.name == name)
        .unwrap()
        .id
        .to_string()
}

#[tokio::test]
async fn the_ledger_shows_who_is_short_and_courses_fill_it() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let r = b.get("/agencies/xiaying-es/training").await;
    assert_eq!(r.status, 200);
    // 施昀豆 (資訊人員): 2 of 3 professional hours in 2025–2026; 陳志明: 2 of 3 general hours
    assert!(
        r.body.contains("施昀豆") && r.body.contains("3 / 2 / <strong class=\"late\">1</strong>"),
        "{}",
        r.body
    );
    assert!(r.body.contains("陳志明"));
    let before = app.audit_count().await;
    let shih = person_id(&app, "施昀豆").await;
    let chen = person_id(&app, "陳志明").await;
    // bad input: a course in the future, absurd hours, an unknown kind — nothing stored
    let r = b
        .post(
            "/agencies/xiaying-es/training/courses",
            &[
                ("title", "資安研習"),
                ("held_on", "115/12/01"),
                ("hours", "-3"),
                ("kind", "x"),
                ("provider", ""),
                ("attendee", &chen),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    for field in ["held_on", "hours", "kind"] {
        assert!(
            r.body.contains(&format!("id=\"{field}-error\"")),
            "{field}: {}",
            r.body
        );
    }
    assert!(r.body.contains("不可晚於現在時間"));
    assert_eq!(app.audit_count().await, before, "nothing written");
    // a person of another agency among the attendees
    let tuku = app
        .store
        .agency_by_code(&Actor::cli(), "tuku-es")
        .await
        .unwrap()
        .unwrap();
    let stranger = app
        .store
        .add_person(
            &Actor::cli(),
            tuku.id,
            &anwei_store::training::NewPerson {
                name: "土庫老師",
                category: anwei_domain::training::TrainingCategory::General,
                email: None,
                external: false,
                joined_on: None,
                left_on: None,
            },
            time::OffsetDateTime::now_utc(),
        )
        .await
        .unwrap()
        .to_string();
    let before = app.audit_count().await;
    let r = b
        .post(
            "/agencies/xiaying-es/training/courses",
            &[
                ("title", "資安研習"),
                ("held_on", "115/03/01"),
                ("hours", "1"),
                ("kind", "general"),
                ("provider", "本校"),
                ("attendee", &chen),
                ("attendee", &stranger),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(app.audit_count().await, before, "nothing written");
    // a real course: 陳志明 ticked twice counts once; 施昀豆 gets 1.5 professional hours
    let r = b
        .post(
            "/agencies/xiaying-es/training/courses",
            &[
                ("title", "115年資安通識補課"),
                ("held_on", "115/03/01"),
                ("hours", "1"),
                ("kind", "general"),
                ("provider", "本校"),
                ("attendee", &chen),
                ("attendee", &chen),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = b
        .post(
            "/agencies/xiaying-es/training/courses",
            &[
                ("title", "資安職能：日誌分析"),
                ("held_on", "115/03/02"),
                ("hours", "90分鐘"),
                ("kind", "professional"),
                ("provider", "資安署"),
                ("online", "1"),
                ("attendee", &shih),
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
    let (_, ledger) = app
        .store
        .training_ledger(
            &anwei_domain::catalog::Catalog::load().unwrap().training,
            &a,
            2026,
            time::macros::date!(2026 - 03 - 02),
        )
        .await
        .unwrap();
    let of = |name: &str| ledger.iter().find(|l| l.person.name == name).unwrap();
    assert!(of("陳志明").compliant(), "3 general hours now, not 4");
    assert_eq!(
        of("陳志明").owed(anwei_domain::training::HourKind::General),
        (30, 30, 0)
    );
    assert_eq!(
        of("施昀豆").owed(anwei_domain::training::HourKind::Professional),
        (30, 35, 0)
    );
    // adding a person: a duplicate name and a leaving date before joining are refused
    let r = b
        .post(
            "/agencies/xiaying-es/training/people",
            &[("name", "陳志明"), ("category", "general")],
        )
        .await;
    assert_eq!(r.status, 409);
    let r = b
        .post(
            "/agencies/xiaying-es/training/people",
            &[
                ("name", "新進教師"),
                ("category", "general"),
                ("joined_on", "115/08/01"),
                ("left_on", "115/07/01"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("離職日不可早於到職日"));
    let r = b
        .post(
            "/agencies/xiaying-es/training/people",
            &[
                ("name", "新進教師"),
                ("category", "general"),
                ("joined_on", "115/08/01"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
}

#[tokio::test]
async fn people_read_their_agency_the_supervisor_reads_below_others_see_nothing() {
    let app = spawn_app().await;
    let mut staff = app.signed_in("xiaying.dean").await;
    assert_eq!(staff.get("/agencies/xiaying-es/training").await.status, 200);
    assert_eq!(
        staff
            .post(
                "/agencies/xiaying-es/training/people",
                &[("name", "x"), ("category", "general")]
            )
            .await
            .status,
        403
    );
    let mut auditor = app.signed_in("tainan.auditor").await;
    assert_eq!(
        auditor.get("/agencies/xiaying-es/training").await.status,
        200
    );
    assert_eq!(
        auditor
            .post(
                "/agencies/xiaying-es/training/people",
                &[("name", "x"), ("category", "general")]
            )
            .await
            .status,
        403
    );
    let mut other = app.signed_in("tuku.officer").await;
    assert_eq!(other.get("/agencies/xiaying-es/training").await.status, 404);
    assert_eq!(
        other
            .post(
                "/agencies/xiaying-es/training/people",
                &[("name", "x"), ("category", "general")]
            )
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn the_ledger_on_the_command_line() {
    let app = spawn_app().await;
    let out = app.cli(
        &[
            "training",
            "ledger",
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
    let shih = v["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "施昀豆")
        .unwrap();
    assert_eq!(shih["category"], "it_staff");
    assert_eq!(shih["professional"]["missing"], 1.0);
    assert_eq!(shih["general"]["missing"], 0.0);
    assert_eq!(shih["compliant"], false);
    assert!(
        shih["rules"][1]["citation"]
            .as_str()
            .unwrap()
            .contains("115.1.7")
    );
    let table = app.cli(
        &[
            "training",
            "ledger",
            "--agency",
            "xiaying-es",
            "--year",
            "2026",
        ],
        None,
    );
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("施昀豆") && text.contains("3/2/1"), "{text}");
    let bad = app.cli(
        &[
            "training", "ledger", "--agency", "nowhere", "--year", "2026",
        ],
        None,
    );
    assert!(!bad.status.success());
    assert_eq!(String::from_utf8_lossy(&bad.stderr).lines().count(), 1);
}

/// 5,000 rows of an e-learning export in Big5: bad rows are listed by line and nothing is
/// written; the clean file imports whole; importing it again counts nothing twice.
#[tokio::test]
async fn a_big_export_imports_whole_or_not_at_all() {
    let app = spawn_app().await;
    let a = app
        .store
        .agency_by_code(&Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    for n in 1..=50 {
        app.store
            .add_person(
                &Actor::cli(),
                a.id,
                &anwei_store::training::NewPerson {
                    name: &format!("教師{n:03}"),
                    category: anwei_domain::training::TrainingCategory::General,
                    email: None,
                    external: false,
                    joined_on: None,
                    left_on: None,
                },
                time::OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
    }
    let mut csv = String::from("姓名,課程名稱,完成日期,認證時數,類別,辦理單位\r\n");
    for course in 1..=100 {
        for n in 1..=50 {
            csv.push_str(&format!(
                "教師{n:03},資安微課程第{course}講,115/02/{:02},0.5,通識,e等公務園\r\n",
                course % 28 + 1
            ));
        }
    }
    let clean = csv.clone();
    let bad = csv
        .replacen(
            "教師007,資安微課程第1講,115/02/02,0.5",
            "教師007,資安微課程第1講,115/02/02,abc",
            1,
        )
        .replacen(
            "教師008,資安微課程第1講,115/02/02,0.5",
            "教師008,資安微課程第1講,115/12/31,0.5",
            1,
        )
        .replacen("教師009,資安微課程第1講", "不在名冊,資安微課程第1講", 1);
    let big5 = |s: &str| encoding_rs::BIG5.encode(s).0.into_owned();
    let mut b = app.signed_in("xiaying.officer").await;
    b.get("/agencies/xiaying-es/training").await;
    let before = app.audit_count().await;
    let r = b
        .post_multipart(
            "/agencies/xiaying-es/training/import",
            &[],
            Some(("export.csv", &big5(&bad))),
        )
        .await;
    assert_eq!(r.status, 422);
    for line in ["第 8 列", "第 9 列", "不可晚於現在時間", "時數格式不正確"] {
        assert!(
            r.body.contains(line),
            "{line}: {}",
            &r.body[..r.body.len().min(3000)]
        );
    }
    assert_eq!(app.audit_count().await, before, "nothing written");
    // the unknown person is reported once the rows themselves are clean
    let unknown = clean.replacen("教師009,資安微課程第1講", "不在名冊,資安微課程第1講", 1);
    let r = b
        .post_multipart(
            "/agencies/xiaying-es/training/import",
            &[],
            Some(("export.csv", &big5(&unknown))),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("第 10 列") && r.body.contains("找不到「不在名冊」"),
        "{}",
        &r.body[..r.body.len().min(3000)]
    );
    assert_eq!(app.audit_count().await, before, "nothing written");
    let r = b
        .post_multipart(
            "/agencies/xiaying-es/training/import",
            &[],
            Some(("export.csv", &big5(&clean))),
        )
        .await;
    assert_eq!(r.status, 200, "{}", &r.body[..r.body.len().min(3000)]);
    assert!(
        r.body
            .contains("已匯入 5000 筆出席紀錄（新增課程 100 門；0 筆已登錄過"),
        "{}",
        &r.body[..r.body.len().min(3000)]
    );
    let r = b
        .post_multipart(
            "/agencies/xiaying-es/training/import",
            &[],
            Some(("export.csv", clean.as_bytes())),
        )
        .await;
    assert!(
        r.body
            .contains("已匯入 0 筆出席紀錄（新增課程 0 門；5000 筆已登錄過"),
        "UTF-8 this time, nothing twice"
    );
    let (_, ledger) = app
        .store
        .training_ledger(
            &anwei_domain::catalog::Catalog::load().unwrap().training,
            &a,
            2026,
            time::macros::date!(2026 - 03 - 02),
        )
        .await
        .unwrap();
    let t1 = ledger.iter().find(|l| l.person.name == "教師001").unwrap();
    assert_eq!(
        t1.owed(anwei_domain::training::HourKind::General),
        (30, 500, 0),
        "100 × 0.5 h"
    );
}

/// The rows of one sheet of an XLSX or ODS, read as a spreadsheet program would.
pub(crate) fn sheet_rows(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let names = book.sheet_names();
    let range = book
        .worksheet_range(sheet)
        .unwrap_or_else(|e| panic!("{sheet} not in {names:?}: {e}"));
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// The ledger in every format: PDF and ODT read back as text, XLSX and ODS with the hours as
/// numbers in their own columns, CSV with a BOM; LibreOffice opens the spreadsheets.
#[tokio::test]
async fn the_ledger_prints_in_every_format() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let page = b.get("/agencies/xiaying-es/training?year=2026").await;
    for ext in ["odt", "pdf", "xlsx", "ods", "csv"] {
        assert!(page.body.contains(&format!("id=\"ledger-{ext}\"")), "{ext}");
    }
    let get = |ext: &str| format!("/agencies/xiaying-es/training/ledger.{ext}?year=2026");
    let (status, headers, pdf) = b.get_bytes(&get("pdf")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/pdf");
    let (status, _, odt) = b.get_bytes(&get("odt")).await;
    assert_eq!(status, 200);
    let expected = [
        "民國115年資通安全教育訓練時數統計",
        "施昀豆",
        "資訊人員",
        "不足",
        "附表七",
    ];
    {
        let text = crate::incidents::own_pdf_text(&pdf);
        crate::incidents::assert_pdf_has(&text, &expected);
    }
    {
        let text = crate::incidents::pdf_text_of(&odt);
        crate::incidents::assert_pdf_has(&text, &expected);
    }
    for ext in ["xlsx", "ods"] {
        let (status, headers, bytes) = b.get_bytes(&get(ext)).await;
        assert_eq!(status, 200, "{ext}");
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .contains(&format!(".{ext}")),
            "{ext}"
        );
        let rows = sheet_rows(&bytes, "一、人員時數");
        assert_eq!(rows[0][0], "姓名", "{ext}: {rows:?}");
        assert_eq!(rows[0][5], "專業應受", "{ext}: {rows:?}");
        let officer = rows.iter().find(|r| r[0] == "施昀豆").unwrap();
        // professional: 3 owed over 2025–2026, 2 done, 1 missing — as numbers that sum
        assert_eq!(&officer[5..8], &["3", "2", "1"], "{ext}: {officer:?}");
        assert_eq!(officer[8], "不足");
        let rates = sheet_rows(&bytes, "二、各類人員符合情形");
        assert!(rates.iter().any(|r| r[0] == "資訊人員"), "{rates:?}");
        {
            let csv = crate::incidents::calc_csv_of(&bytes, ext);
            assert!(csv.contains("臺南市下營區下營國民小學"), "{ext}: {csv}");
        }
    }
    let (status, headers, csv) = b.get_bytes(&get("csv")).await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(csv.starts_with(b"\xef\xbb\xbf"), "a BOM for Excel");
    let text = String::from_utf8(csv).unwrap();
    assert!(text.contains("施昀豆,資訊人員,3,3,0,3,2,1,不足"), "{text}");
    assert_eq!(
        b.get_bytes("/agencies/xiaying-es/training/ledger.docx")
            .await
            .0,
        404
    );
    let mut other = app.signed_in("tuku.officer").await;
    assert_eq!(
        other
            .get_bytes("/agencies/xiaying-es/training/ledger.pdf")
            .await
            .0,
        404
    );
}

/// In the last quarter people who still owe hours are told, once a month, through a real SMTP
/// server; a supervisor sees each school's share of compliant people.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_short_of_hours_are_reminded_in_the_last_quarter() {
    let app = spawn_app().await;
    let sink = MailSink::start(0);
    let mut b = app.signed_in("xiaying.officer").await;
    b.get("/agencies/xiaying-es/training").await;
    let r = b
        .post(
            "/agencies/xiaying-es/training/people",
            &[
                ("name", "林老師"),
                ("category", "general"),
                ("email", "lin@xiaying-es.example"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = b
        .post(
            "/agencies/xiaying-es/training/people",
            &[
                ("name", "錯信箱"),
                ("category", "general"),
                ("email", "not-an-address"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    let mut auditor = app.signed_in("tainan.auditor").await;
    let page = auditor.get("/agencies/tainan-edu/training").await;
    assert!(
        page.body.contains("training-below") && page.body.contains("臺南市下營區下營國民小學"),
        "{}",
        page.body
    );

    let worker = app.worker(Some(&sink)).await;
    let training_mail = |sink: &MailSink| -> Vec<String> {
        sink.messages()
            .iter()
            .filter(|m| m.starts_with("X-Envelope-To: lin@"))
            .map(|m| decode_mail(m).0)
            .collect()
    };
    worker.pass().await.unwrap(); // March: no training reminders yet
    assert!(training_mail(&sink).is_empty());
    app.clock.set(time::macros::datetime!(2026-10-15 01:00 UTC));
    worker.pass().await.unwrap();
    let mails = training_mail(&sink);
    assert_eq!(
        mails,
        ["[安維] 115年資通安全教育訓練時數尚不足：通識 3 小時、專業 0 小時"]
    );
    app.clock.set(time::macros::datetime!(2026-10-20 01:00 UTC));
    worker.pass().await.unwrap();
    assert_eq!(training_mail(&sink).len(), 1, "once a month");
    app.clock.set(time::macros::datetime!(2026-11-02 01:00 UTC));
    worker.pass().await.unwrap();
    assert_eq!(training_mail(&sink).len(), 2);
}

/// A person sees their own hours on the dashboard; the agency chooses pro rata for joiners.
#[tokio::test]
async fn a_person_sees_their_own_hours_and_the_agency_sets_proration() {
    let app = spawn_app().await;
    let mut officer = app.signed_in("xiaying.officer").await;
    let dash = officer.get("/").await;
    assert!(
        dash.body.contains("my-training") && dash.body.contains("尚缺 1 小時"),
        "{}",
        dash.body
    );
    let mut dean = app.signed_in("xiaying.dean").await;
    let dash = dean.get("/").await;
    assert!(
        dash.body.contains("my-training") && !dash.body.contains("尚缺"),
        "{}",
        dash.body
    );
    // pro rata: a teacher who joins in October owes 1 hour, not 3
    officer.get("/agencies/xiaying-es/training").await;
    officer
        .post(
            "/agencies/xiaying-es/training/people",
            &[
                ("name", "新進教師"),
                ("category", "general"),
                ("joined_on", "115/10/01"),
            ],
        )
        .await;
    assert_eq!(
        officer
            .post(
                "/agencies/xiaying-es/training/proration",
                &[("proration", "pro_rata")]
            )
            .await
            .status,
        303
    );
    assert_eq!(
        officer
            .post(
                "/agencies/xiaying-es/training/proration",
                &[("proration", "half")]
            )
            .await
            .status,
        422
    );
    let mut staff = app.signed_in("xiaying.principal").await;
    staff.get("/").await;
    let a = app
        .store
        .agency_by_code(&Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    let (_, ledger) = app
        .store
        .training_ledger(
            &anwei_domain::catalog::Catalog::load().unwrap().training,
            &a,
            2026,
            time::macros::date!(2026 - 12 - 31),
        )
        .await
        .unwrap();
    let new = ledger.iter().find(|l| l.person.name == "新進教師").unwrap();
    assert_eq!(new.owed(anwei_domain::training::HourKind::General).0, 10);
    assert_eq!(app.events("training.proration").await.len(), 1);
}

/// The yearly plan by audience; its first course becomes the evidence of the year's plan duty;
/// bad entries are refused next to their fields.
#[tokio::test]
async fn the_yearly_plan_is_drafted_by_audience_and_proves_its_duty() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let page = b.get("/agencies/xiaying-es/training?year=2027").await;
    assert!(page.body.contains("尚未擬定本年度計畫"));
    let before = app.audit_count().await;
    let r = b
        .post(
            "/agencies/xiaying-es/training/plan",
            &[
                ("year", "2026"),
                ("audience", "everyone"),
                ("plan-title", ""),
                ("month", "13"),
                ("plan-hours", "0"),
                ("kind", "general"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    for field in ["audience", "plan-title", "month", "plan-hours"] {
        assert!(
            r.body.contains(&format!("id=\"{field}-error\"")),
            "{field}: {}",
            r.body
        );
    }
    assert_eq!(app.audit_count().await, before);
    for (audience, title, month) in [
        ("management", "資安長及主管資安治理", "3"),
        ("it", "資訊人員資安職能", "5"),
        ("business", "全校資安通識", "2"),
    ] {
        let r = b
            .post(
                "/agencies/xiaying-es/training/plan",
                &[
                    ("year", "2026"),
                    ("audience", audience),
                    ("plan-title", title),
                    ("month", month),
                    ("plan-hours", "3"),
                    ("kind", "general"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let page = b.get("/agencies/xiaying-es/training?year=2026").await;
    for text in ["管理階層", "資訊人員資安職能", "業務單位人員", "2 月"] {
        assert!(page.body.contains(text), "{text}");
    }
    let a = app
        .store
        .agency_by_code(&Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    let task = app
        .store
        .tasks(&Actor::cli(), Some(a.id), 2026)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.obligation_key == "training-plan")
        .unwrap();
    let evidence = app.store.evidence_of_task(task.id).await.unwrap();
    assert_eq!(evidence.len(), 1, "the first item, once");
    assert!(
        evidence[0]
            .title
            .contains("民國115年資通安全認知宣導及教育訓練計畫")
    );
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/").to_string() + name)
        .unwrap()
}

/// Attendance as LibreOffice Calc saved it, as XLSX and as ODS, with real date cells; a file
/// that is no spreadsheet is refused in one line.
#[tokio::test]
async fn attendance_imports_from_xlsx_and_ods_made_by_a_spreadsheet_program() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let page = b.get("/agencies/xiaying-es/training").await;
    assert!(page.body.contains("accept=\".xlsx,.ods,.xls,.csv\""));
    let r = b
        .post_multipart(
            "/agencies/xiaying-es/training/import",
            &[],
            Some(("attendance.xlsx", &fixture("attendance.xlsx"))),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body
            .contains("已匯入 3 筆出席紀錄（新增課程 2 門；0 筆已登錄過"),
        "{}",
        r.body
    );
    // the same rows from the ODS are already there: nothing counts twice
    let r = b
        .post_multipart(
            "/agencies/xiaying-es/training/import",
            &[],
            Some(("attendance.ods", &fixture("attendance.ods"))),
        )
        .await;
    assert!(
        r.body
            .contains("已匯入 0 筆出席紀錄（新增課程 0 門；3 筆已登錄過"),
        "{}",
        r.body
    );
    let ledger = app
        .store
        .agency_by_code(&Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    let attended = app
        .store
        .person_attendance(&ledger, person_id(&app, "施昀豆").await.parse().unwrap())
        .await
        .unwrap();
    let course = attended
        .iter()
        .find(|c| c.title == "資安職能：事件應變實務")
        .unwrap();
    assert_eq!(course.held_on, time::macros::date!(2026 - 02 - 20));
    assert_eq!((course.hours, course.kind.as_str()), (15, "professional"));
    let before = app.audit_count().await;
    let r = b
        .post_multipart(
            "/agencies/xiaying-es/training/import",
            &[],
            Some(("photo.xlsx", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0")),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("無法讀取此檔案"), "{}", r.body);
    assert_eq!(app.audit_count().await, before);
}

/// Courses are held for the plan's items: the plan shows what was held, what is late, and the
/// courses held outside it; another agency's plan item cannot be used.
#[tokio::test]
async fn the_plan_is_compared_with_the_courses_held() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let page = b.get("/agencies/xiaying-es/training?year=2026").await;
    // the demo's general course was held for its plan item on 2/25; the others are to come
    assert!(
        page.body.contains("已辦理（民國115年2月25日，4 人參加）"),
        "{}",
        page.body
    );
    assert!(page.body.contains("另有 1 門計畫外課程"), "{}", page.body);
    let a = app
        .store
        .agency_by_code(&Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    let items = app.store.plan_items(&a, 2026).await.unwrap();
    let it = items.iter().find(|i| i.audience == "it").unwrap();
    assert!(!it.is_late(2026, time::macros::date!(2026 - 03 - 02)));
    assert!(it.is_late(2026, time::macros::date!(2026 - 10 - 01)));
    let officer = person_id(&app, "施昀豆").await;
    let r = b
        .post(
            "/agencies/xiaying-es/training/courses",
            &[
                ("title", "資安職能：弱點掃描實務"),
                ("held_on", "2026-03-01"),
                ("hours", "3"),
                ("kind", "professional"),
                ("provider", "資通安全署"),
                ("plan_item", &it.id.to_string()),
                ("attendee", &officer),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = b.get("/agencies/xiaying-es/training?year=2026").await;
    assert!(
        page.body.contains("已辦理（民國115年3月1日，1 人參加）"),
        "{}",
        page.body
    );
    // a plan item of another agency, or nonsense: refused, nothing written
    let tuku = app
        .store
        .agency_by_code(&Actor::cli(), "tuku-es")
        .await
        .unwrap()
        .unwrap();
    let foreign = app
        .store
        .add_plan_item(
            &Actor::cli(),
            tuku.id,
            &anwei_store::training::NewPlanItem {
                year: 2026,
                audience: "it",
                title: "土庫國小計畫",
                planned_month: 4,
                hours: 30,
                kind: anwei_domain::training::HourKind::General,
            },
            time::OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
    let before = app.audit_count().await;
    for bad in [foreign.to_string(), "not-a-plan".to_string()] {
        let r = b
            .post(
                "/agencies/xiaying-es/training/courses",
                &[
                    ("title", "不應寫入"),
                    ("held_on", "2026-03-01"),
                    ("hours", "1"),
                    ("kind", "general"),
                    ("provider", ""),
                    ("plan_item", &bad),
                    ("attendee", &officer),
                ],
            )
            .await;
        assert!(r.status == 422 || r.status == 400, "{bad}: {}", r.status);
    }
    assert_eq!(app.audit_count().await, before);
}

/// A person proves their own hours with a certificate; the 承辦人 may add one for anyone; other
/// staff may not, and another agency sees nothing. The record prints.
#[tokio::test]
async fn certificates_prove_attendance_and_the_record_prints() {
    let app = spawn_app().await;
    let officer = person_id(&app, "施昀豆").await;
    let teacher = person_id(&app, "陳志明").await;
    let a = app
        .store
        .agency_by_code(&Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    let course = app
        .store
        .person_attendance(&a, teacher.parse().unwrap())
        .await
        .unwrap()[0]
        .course_id
        .to_string();
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    // the dean is staff, not the person: refused
    let mut dean = app.signed_in("xiaying.dean").await;
    let page = dean
        .get(&format!("/agencies/xiaying-es/training/people/{teacher}"))
        .await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("上傳研習證明"), "no form for others");
    let r = dean
        .post_multipart(
            &format!("/agencies/xiaying-es/training/people/{teacher}/certificate"),
            &[("title", "研習證明"), ("course", &course)],
            Some(("cert.pdf", &pdf)),
        )
        .await;
    assert_eq!(r.status, 403);
    // the officer adds it for the teacher; a course the teacher did not attend is refused
    let mut b = app.signed_in("xiaying.officer").await;
    b.get(&format!("/agencies/xiaying-es/training/people/{teacher}"))
        .await;
    let before = app.audit_count().await;
    let other_course = app
        .store
        .person_attendance(&a, officer.parse().unwrap())
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.kind == "professional")
        .unwrap()
        .course_id
        .to_string();
    let r = b
        .post_multipart(
            &format!("/agencies/xiaying-es/training/people/{teacher}/certificate"),
            &[("title", "研習證明"), ("course", &other_course)],
            Some(("cert.pdf", &pdf)),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"course-error\""), "{}", r.body);
    assert_eq!(app.audit_count().await, before);
    let r = b
        .post_multipart(
            &format!("/agencies/xiaying-es/training/people/{teacher}/certificate"),
            &[("title", "e等公務園時數證明"), ("course", &course)],
            Some(("cert.pdf", &pdf)),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = b
        .get(&format!("/agencies/xiaying-es/training/people/{teacher}"))
        .await;
    assert!(
        page.body.contains("e等公務園時數證明</a>（cert.pdf）"),
        "{}",
        page.body
    );
    assert_eq!(app.events("evidence.add").await.len(), 1);
    // the record prints, with the certificate named
    let (status, _, xlsx) = b
        .get_bytes(&format!(
            "/agencies/xiaying-es/training/people/{teacher}/record.xlsx?year=2026"
        ))
        .await;
    assert_eq!(status, 200);
    let rows = sheet_rows(&xlsx, "參加課程及證明");
    assert!(
        rows.iter()
            .any(|r| r.contains(&"e等公務園時數證明".to_string())),
        "{rows:?}"
    );
    let (status, _, pdf) = b
        .get_bytes(&format!(
            "/agencies/xiaying-es/training/people/{teacher}/record.pdf?year=2026"
        ))
        .await;
    assert_eq!(status, 200);
    {
        let text = crate::incidents::own_pdf_text(&pdf);
        crate::incidents::assert_pdf_has(
            &text,
            &["陳志明", "民國115年資通安全教育訓練紀錄", "不足"],
        );
    }
    // another agency: not found, for the page, the record and the upload
    let mut other = app.signed_in("tuku.officer").await;
    for path in [
        format!("/agencies/xiaying-es/training/people/{teacher}"),
        format!("/agencies/xiaying-es/training/people/{teacher}/record.pdf"),
    ] {
        assert_eq!(other.get_bytes(&path).await.0, 404, "{path}");
    }
}

/// New staff acknowledge the policy in force, with its version and time; the 承辦人 records a
/// signed paper form for someone else; a new version asks everyone again.
#[tokio::test]
async fn staff_acknowledge_the_policy_version_in_force() {
    let app = spawn_app().await;
    let officer = person_id(&app, "施昀豆").await;
    let dean = person_id(&app, "李玉萍").await;
    let teacher = person_id(&app, "陳志明").await;
    // the dean acknowledges online, as herself
    let mut d = app.signed_in("xiaying.dean").await;
    let page = d
        .get(&format!("/agencies/xiaying-es/training/people/{dean}"))
        .await;
    assert!(
        page.body
            .contains("尚未確認現行版本「資通安全政策（115年2月1日第2版）」"),
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"acknowledge\""));
    let r = d
        .post(
            &format!("/agencies/xiaying-es/training/people/{dean}/acknowledge"),
            &[],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // twice changes nothing
    d.post(
        &format!("/agencies/xiaying-es/training/people/{dean}/acknowledge"),
        &[],
    )
    .await;
    let page = d
        .get(&format!("/agencies/xiaying-es/training/people/{dean}"))
        .await;
    assert!(page.body.contains("已於 民國115年3月2日"), "{}", page.body);
    // she may not acknowledge for a colleague
    let r = d
        .post(
            &format!("/agencies/xiaying-es/training/people/{teacher}/acknowledge"),
            &[],
        )
        .await;
    assert_eq!(r.status, 403);
    // the officer records the teacher's signed form
    let mut b = app.signed_in("xiaying.officer").await;
    let page = b.get("/agencies/xiaying-es/training").await;
    assert!(
        page.body.contains("尚有 3 人未確認現行版本"),
        "{}",
        page.body
    );
    b.get(&format!("/agencies/xiaying-es/training/people/{teacher}"))
        .await;
    let r = b
        .post(
            &format!("/agencies/xiaying-es/training/people/{teacher}/acknowledge"),
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    let events = app.events("training.policy_acknowledged").await;
    assert_eq!(
        events.len(),
        4,
        "two from the demo, the dean's once, the teacher's"
    );
    let page = b.get("/agencies/xiaying-es/training").await;
    assert!(
        page.body.contains("尚有 2 人未確認現行版本"),
        "{}",
        page.body
    );
    // a new version: everyone again; an empty one is refused
    let r = b
        .post(
            "/agencies/xiaying-es/training/policy",
            &[("policy_version", "")],
        )
        .await;
    assert_eq!(r.status, 422);
    let r = b
        .post(
            "/agencies/xiaying-es/training/policy",
            &[("policy_version", "資通安全政策（115年3月1日第3版）")],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = b.get("/agencies/xiaying-es/training").await;
    assert!(
        page.body.contains("尚有 6 人未確認現行版本"),
        "{}",
        page.body
    );
    let page = b
        .get(&format!("/agencies/xiaying-es/training/people/{officer}"))
        .await;
    assert!(
        page.body
            .contains("尚未確認現行版本「資通安全政策（115年3月1日第3版）」")
    );
    assert!(
        page.body.contains("資通安全政策（115年2月1日第2版）"),
        "history kept"
    );
}

/// The bureau's view reads every school's ledger in one batch; each must equal the school's own,
/// person by person and line by line (the demo's people have hours done and owed).
#[tokio::test]
async fn the_supervisor_s_batched_ledgers_equal_each_school_s_own() {
    let app = spawn_app().await;
    let cli = anwei_store::Actor::cli();
    let bureau = app
        .store
        .agency_by_code(&cli, "tainan-edu")
        .await
        .unwrap()
        .unwrap();
    let rules = &anwei_domain::catalog::Catalog::load().unwrap().training;
    let today = time::macros::date!(2026 - 03 - 02);
    let below = app
        .store
        .training_ledgers_below(rules, &cli, &bureau, 2026, today)
        .await
        .unwrap();
    assert!(below.len() >= 2, "the bureau has schools");
    let mut people = 0;
    for (school, batched) in &below {
        let (_, own) = app
            .store
            .training_ledger(rules, school, 2026, today)
            .await
            .unwrap();
        assert_eq!(
            serde_json::to_value(batched).unwrap(),
            serde_json::to_value(&own).unwrap(),
            "{}",
            school.code
        );
        people += own.len();
    }
    assert!(people > 0, "the comparison saw people");
}
