//! Incidents through the pages: filing with the TACERT fields, the level proposal, the statutory
//! deadlines on the page, the course of the incident, and who may see and do what.

use crate::support::*;

/// The test clock starts at 2026-03-02 01:00 UTC = 09:00 in Taipei.
const AWARE: &str = "2026-03-02T08:30";

fn filing<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("title", "教務處電腦感染勒索軟體"),
        ("aware_at", AWARE),
        ("occurred_at", "2026-03-02T07:50"),
        ("reporter_name", "施昀豆"),
        ("reporter_phone", "06-6892404"),
        ("reporter_email", ""),
        ("classification", "INT/散播惡意程式"),
        ("description", "教務處一台電腦檔案遭加密。\n已拔除網路線。"),
        ("device_ip", "163.26.1.20"),
        ("device_os", "Windows 11"),
        ("protection_antivirus", "on"),
        ("c_scope", "none"),
        ("i_scope", "non_core"),
        ("i_severity", "serious"),
        ("a_scope", "core"),
        ("a_outcome", "within_tolerance"),
        ("level", ""),
        ("level_reason", ""),
    ];
    for (k, v) in overrides {
        f.retain(|(name, _)| name != k);
        f.push((k, v));
    }
    f
}

/// Moves the clock on while the person keeps working (the session would end after 15 idle
/// minutes otherwise).
async fn work_for(app: &TestApp, b: &mut Browser<'_>, minutes: i64) {
    let mut left = minutes;
    while left > 0 {
        let step = left.min(10);
        app.clock.advance(time::Duration::minutes(step));
        b.get("/").await;
        left -= step;
    }
}

async fn file(b: &mut Browser<'_>, overrides: &[(&str, &str)]) -> Resp {
    b.get("/agencies/xiaying-es/incidents/new").await;
    b.post("/agencies/xiaying-es/incidents", &filing(overrides))
        .await
}

/// Writes every section the law requires into the incident's report.
async fn write_report(b: &mut Browser<'_>, id: &str) -> Resp {
    b.get(&format!("/incidents/{id}")).await;
    b.post(
        &format!("/incidents/{id}/report-draft"),
        &[
            ("section-scope_damage", "教務處一台電腦，未擴散。"),
            ("section-containment", "拔除網路線，以備份還原。"),
            ("section-investigation", "檢視防毒紀錄與郵件。"),
            ("section-root_cause", "開啟釣魚郵件附件。"),
            ("section-measures", "加強社交工程教育訓練；更新防毒。"),
            ("section-schedule", "115年4月底前完成，6月演練追蹤。"),
        ],
    )
    .await
}

fn id_of(r: &Resp) -> String {
    r.location()
        .trim_start_matches("/incidents/")
        .split('?')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn an_officer_files_an_incident_and_sees_its_deadlines() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let r = file(&mut b, &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id = id_of(&r);
    let page = b.get(&format!("/incidents/{id}")).await;
    assert_eq!(page.status, 200);
    let body = &page.body;
    // Level 2: integrity serious on non-core (2) and a core system back in time (2).
    assert!(body.contains("id=\"incident-level\">第 2 級"), "{body}");
    assert!(body.contains("非核心業務資訊或非核心資通系統遭嚴重竄改"));
    // §6 I: notify by 09:30; §7 I: review by 17:30; §8 I: recover by 3/5 08:30.
    for expected in [
        "民國115年3月2日 09:30",
        "民國115年3月2日 17:30",
        "民國115年3月5日 08:30",
        "§6 I",
        "§8 I",
    ] {
        assert!(body.contains(expected), "{expected}");
    }
    assert!(
        body.contains("data-due=\"2026-03-02T01:30:00Z\""),
        "countdown carries the due instant"
    );
    assert!(
        body.contains("剩餘 0 小時 30 分"),
        "30 minutes left at 09:00"
    );
    assert_eq!(app.events("incident.create").await.len(), 1);

    // The list shows the next deadline; after 40 minutes it is overdue.
    work_for(&app, &mut b, 40).await;
    let list = b.get("/incidents").await;
    assert!(
        list.body.contains("教務處電腦感染勒索軟體") && list.body.contains("已逾期 0 小時 10 分"),
        "{}",
        list.body
    );

    // Notified late (09:40): recorded, and the notification shows as late.
    b.get(&format!("/incidents/{id}")).await;
    let r = b
        .post(
            &format!("/incidents/{id}/notify"),
            &[("notify-at", ""), ("notify-ticket", "TACERT-2026-0312")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = b.get(&format!("/incidents/{id}")).await;
    assert!(
        page.body.contains("TACERT-2026-0312") && page.body.contains("已逾期"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn raising_the_level_moves_the_deadlines() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let id = id_of(&file(&mut b, &[]).await);
    b.get(&format!("/incidents/{id}")).await;
    // 90 minutes after awareness: 10:00 Taipei. The clock is at 09:00; move it on.
    work_for(&app, &mut b, 60).await;
    b.get(&format!("/incidents/{id}")).await;
    let r = b
        .post(
            &format!("/incidents/{id}/level"),
            &[
                ("level-level", "3"),
                ("level-at", "2026-03-02T10:00"),
                ("level-reason", "確認學籍系統資料遭竄改"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = b.get(&format!("/incidents/{id}")).await;
    assert!(page.body.contains("id=\"incident-level\">第 3 級"));
    // §6 II re-notify by 11:00; §7 I level 3 review 2 h later, 13:00; §8 I level 3: 36 h from awareness.
    for expected in [
        "民國115年3月2日 11:00",
        "民國115年3月2日 13:00",
        "民國115年3月3日 20:30",
        "資通安全長應召開會議",
    ] {
        assert!(page.body.contains(expected), "{expected}: {}", page.body);
    }
}

#[tokio::test]
async fn bad_filings_show_every_error_and_store_nothing() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let before = app.audit_count().await;
    let r = file(
        &mut b,
        &[
            ("title", ""),
            ("aware_at", "2026-03-02T12:00"),
            ("occurred_at", "2026-03-02T13:00"),
            ("classification", "XXX/nothing"),
            ("description", ""),
            ("device_ip", "999.1.1.1"),
            ("level", "4"),
            ("level_reason", ""),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    for (field, text) in [
        ("title", "此欄位必填"),
        ("aware_at", "不可晚於現在時間"),
        ("occurred_at", "不可晚於知悉時間"),
        ("classification", "請從清單中選擇"),
        ("description", "此欄位必填"),
        ("device_ip", "IP 位址格式不正確"),
        ("level_reason", "請說明理由"),
    ] {
        let marker = format!("id=\"{field}-error\">");
        let at = r
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no error for {field}"));
        assert!(
            r.body[at..].split("</p>").next().unwrap().contains(text),
            "{field}: {text}"
        );
    }
    let r = file(
        &mut b,
        &[
            ("aware_at", "yesterday"),
            ("i_scope", "none"),
            ("a_scope", "none"),
        ],
    )
    .await;
    assert!(r.body.contains("id=\"aware_at-error\"") && r.body.contains("id=\"level-error\""));
    assert_eq!(app.audit_count().await, before, "nothing written");
    assert!(
        app.store
            .incidents(&anwei_store::Actor::cli(), None, false)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_supervisor_reviews_but_cannot_edit_and_others_cannot_see() {
    let app = spawn_app().await;
    let mut officer = app.signed_in("xiaying.officer").await;
    let id = id_of(&file(&mut officer, &[]).await);
    // The supervisor's 承辦人 reviews; its auditor reads and changes nothing (issue 22 item 7).
    let mut reviewer = app.signed_in("tainan.officer").await;
    let mut auditor = app.signed_in("tainan.auditor").await;
    let page = auditor.get(&format!("/incidents/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains("review-note"),
        "no review form for the auditor"
    );
    // Review needs a notification first.
    let r = reviewer
        .post(
            &format!("/incidents/{id}/review"),
            &[("review-note", "已閱")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("尚未通報"));
    officer.get(&format!("/incidents/{id}")).await;
    officer
        .post(
            &format!("/incidents/{id}/notify"),
            &[("notify-ticket", "T-1")],
        )
        .await;
    let r = auditor
        .post(
            &format!("/incidents/{id}/review"),
            &[("review-note", "稽核員不得審核")],
        )
        .await;
    assert_eq!(r.status, 403, "the auditor changes nothing");
    let r = reviewer
        .post(
            &format!("/incidents/{id}/review"),
            &[("review-note", "處置得宜，請持續監控。")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let bureau = &mut reviewer;
    let mut tuku = app.signed_in("tuku.officer").await;
    let before = app.audit_count().await;
    for step in [
        "notify", "level", "recover", "report", "close", "note", "review",
    ] {
        let r = auditor
            .post(
                &format!("/incidents/{id}/{step}"),
                &[
                    ("note-note", "x"),
                    ("level-level", "1"),
                    ("level-reason", "x"),
                ],
            )
            .await;
        assert_eq!(r.status, 403, "the supervisor may not {step}");
    }
    // The bureau's officer reviews too, but never edits the school's record.
    assert_eq!(
        bureau
            .post(&format!("/incidents/{id}/close"), &[])
            .await
            .status,
        403
    );
    // The school cannot review its own incident.
    assert_eq!(
        officer
            .post(&format!("/incidents/{id}/review"), &[("review-note", "x")])
            .await
            .status,
        403
    );
    // Another school sees nothing.
    assert_eq!(tuku.get(&format!("/incidents/{id}")).await.status, 404);
    assert_eq!(
        tuku.post(&format!("/incidents/{id}/note"), &[("note-note", "x")])
            .await
            .status,
        404
    );
    assert_eq!(
        tuku.get("/agencies/xiaying-es/incidents/new").await.status,
        404
    );
    assert!(!tuku.get("/incidents").await.body.contains("勒索"));
    assert_eq!(
        app.audit_count().await,
        before,
        "nothing written by refused steps"
    );
    let page = officer.get(&format!("/incidents/{id}")).await;
    assert!(page.body.contains("處置得宜") && page.body.contains("tainan.officer"));
    assert!(!page.body.contains("稽核員不得審核"));
}

#[tokio::test]
async fn staff_report_but_do_not_manage() {
    let app = spawn_app().await;
    let mut staff = app.signed_in("xiaying.dean").await;
    let r = file(&mut staff, &[("reporter_name", "李玉萍")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id = id_of(&r);
    assert_eq!(staff.get(&format!("/incidents/{id}")).await.status, 200);
    assert_eq!(
        staff
            .post(
                &format!("/incidents/{id}/notify"),
                &[("notify-ticket", "T")]
            )
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn a_closed_incident_takes_notes_only() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let id = id_of(&file(&mut b, &[]).await);
    b.get(&format!("/incidents/{id}")).await;
    assert_eq!(
        b.post(&format!("/incidents/{id}/close"), &[]).await.status,
        422,
        "no closing before the report"
    );
    let r = b.post(&format!("/incidents/{id}/report"), &[]).await;
    assert!(r.body.contains("尚未完成損害控制或復原"));
    let r = b
        .post(
            &format!("/incidents/{id}/recover"),
            &[("recover-at", "2026-03-02T08:00")],
        )
        .await;
    assert!(
        r.body.contains("不可早於知悉時間"),
        "recovery before awareness refused"
    );
    assert_eq!(
        b.post(
            &format!("/incidents/{id}/recover"),
            &[("recover-at", "2026-03-02T08:50")]
        )
        .await
        .status,
        303
    );
    assert_eq!(write_report(&mut b, &id).await.status, 303);
    assert_eq!(
        b.post(&format!("/incidents/{id}/report"), &[]).await.status,
        303
    );
    assert_eq!(
        b.post(&format!("/incidents/{id}/close"), &[]).await.status,
        303
    );
    let r = b
        .post(
            &format!("/incidents/{id}/level"),
            &[("level-level", "1"), ("level-reason", "x")],
        )
        .await;
    assert_eq!(r.status, 409, "closed");
    assert!(r.body.contains("已結案"));
    assert_eq!(
        b.post(
            &format!("/incidents/{id}/note"),
            &[("note-note", "更正：受駭主機為兩台。")]
        )
        .await
        .status,
        303
    );
    let page = b.get(&format!("/incidents/{id}")).await;
    assert!(page.body.contains("更正：受駭主機為兩台。") && page.body.contains("已結案"));
    // §8 II: report due one month after recovery on 3/2 → 4/2.
    assert!(page.body.contains("民國115年4月2日 23:59"), "{}", page.body);
}

/// Runs a document converter or reader. A missing one fails the test with how to install it,
/// in CI and outside alike: a test that checked nothing must never pass.
fn tool(program: &str, args: &[&str], home: &std::path::Path) -> std::process::Output {
    std::process::Command::new(program)
        .args(args)
        .env("HOME", home)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{program} is needed to read the documents back ({e}): run scripts/ensure-deps, or apt-get install libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils fonts-noto-cjk"
            )
        })
}

/// Converts a document Anwei wrote (`ext`: odt, docx, xlsx, ods) with LibreOffice to `to` (a
/// filter as `--convert-to` takes it) and returns the converted file. None when the tools are
/// missing outside CI.
pub(crate) fn libreoffice_convert(bytes: &[u8], ext: &str, to: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join(format!("document.{ext}"));
    std::fs::write(&input, bytes).unwrap();
    let out = tool(
        "soffice",
        &[
            "--headless",
            "--norestore",
            "--convert-to",
            to,
            "--outdir",
            dir.path().join("out").to_str().unwrap(),
            input.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "LibreOffice failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let suffix = to.split(':').next().unwrap();
    let converted = dir.path().join("out").join(format!("document.{suffix}"));
    assert!(
        converted.exists(),
        "LibreOffice wrote nothing: {} {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(converted).unwrap()
}

/// Converts an ODT with LibreOffice and reads the PDF back, with spaces and line breaks removed
/// (text extraction drops the spaces between CJK characters and digits).
pub(crate) fn pdf_text_of(odt_bytes: &[u8]) -> String {
    let pdf_bytes = libreoffice_convert(odt_bytes, "odt", "pdf");
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("document.pdf");
    std::fs::write(&pdf, pdf_bytes).unwrap();
    read_pdf(&pdf)
}

/// A spreadsheet Anwei wrote, opened by LibreOffice Calc and saved as UTF-8 CSV (first sheet).
pub(crate) fn calc_csv_of(bytes: &[u8], ext: &str) -> String {
    let csv = libreoffice_convert(bytes, ext, "csv:Text - txt - csv (StarCalc):44,34,76");
    String::from_utf8(csv).unwrap()
}

/// The text of a PDF file as pdftotext reads it, without spaces and line breaks.
fn read_pdf(pdf: &std::path::Path) -> String {
    let home = pdf.parent().unwrap();
    let text = tool("pdftotext", &[pdf.to_str().unwrap(), "-"], home);
    assert!(text.status.success(), "pdftotext failed");
    String::from_utf8_lossy(&text.stdout).replace([' ', '\n'], "")
}

/// Anwei's own PDF: every font embedded (it must open where no Chinese font is installed), and
/// its text as a reader extracts it.
pub(crate) fn own_pdf_text(pdf_bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("document.pdf");
    std::fs::write(&pdf, pdf_bytes).unwrap();
    let fonts = tool("pdffonts", &[pdf.to_str().unwrap()], dir.path());
    let listing = String::from_utf8_lossy(&fonts.stdout).into_owned();
    let rows: Vec<&str> = listing.lines().skip(2).collect();
    assert!(!rows.is_empty(), "no fonts: {listing}");
    for row in rows {
        // name type encoding emb sub uni object ID
        let cols: Vec<&str> = row.split_whitespace().collect();
        let emb = cols.get(cols.len().saturating_sub(5)).copied();
        assert_eq!(emb, Some("yes"), "a font is not embedded: {listing}");
    }
    assert!(listing.contains("NotoSansCJK"), "{listing}");
    read_pdf(&pdf)
}

pub(crate) fn assert_pdf_has(text: &str, expected: &[&str]) {
    for e in expected {
        assert!(
            text.contains(&e.replace(' ', "")),
            "the PDF lacks {e}: {text}"
        );
    }
}

#[tokio::test]
async fn the_notification_is_an_odt_that_libreoffice_opens() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let id = id_of(&file(&mut b, &[]).await);
    b.get(&format!("/incidents/{id}")).await;
    b.post(
        &format!("/incidents/{id}/notify"),
        &[("notify-ticket", "TACERT-115-0042")],
    )
    .await;
    let (status, headers, bytes) = b
        .get_bytes(&format!("/incidents/{id}/notification.odt"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        headers.get("content-type").unwrap(),
        "application/vnd.oasis.opendocument.text"
    );
    assert!(
        headers
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''")
    );
    assert_eq!(&bytes[30..38], b"mimetype");
    // Another school cannot download it.
    let mut tuku = app.signed_in("tuku.officer").await;
    assert_eq!(
        tuku.get_bytes(&format!("/incidents/{id}/notification.odt"))
            .await
            .0,
        404
    );

    let expected = [
        "資通安全事件通報單",
        "臺南市下營區下營國民小學",
        "教務處電腦感染勒索軟體",
        "施昀豆",
        "163.26.1.20",
        "Windows 11",
        "散播惡意程式",
        "防毒軟體",
        "TACERT-115-0042",
        "第 2 級",
        "民國115年3月2日 09:30",
        "§6 I",
    ];
    // The same document as PDF, laid out by Anwei with the font embedded.
    let (status, headers, pdf) = b
        .get_bytes(&format!("/incidents/{id}/notification.pdf"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(headers.get("content-type").unwrap(), "application/pdf");
    assert_eq!(
        tuku.get_bytes(&format!("/incidents/{id}/notification.pdf"))
            .await
            .0,
        404
    );
    {
        let text = own_pdf_text(&pdf);
        assert_pdf_has(&text, &expected);
    }
    let text = pdf_text_of(&bytes);
    assert_pdf_has(&text, &expected);
}

#[tokio::test]
async fn the_investigation_report_needs_every_section_and_opens_in_libreoffice() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let id = id_of(&file(&mut b, &[]).await);
    b.get(&format!("/incidents/{id}")).await;
    b.post(
        &format!("/incidents/{id}/recover"),
        &[("recover-at", "2026-03-02T08:50")],
    )
    .await;
    // Nothing written yet: submitting names what is missing.
    let r = b.post(&format!("/incidents/{id}/report"), &[]).await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("改善報告尚缺") && r.body.contains("事件根因分析"),
        "{}",
        r.body
    );
    // A draft with one section is kept; a control character is refused next to its field.
    let r = b
        .post(
            &format!("/incidents/{id}/report-draft"),
            &[("section-root_cause", "開啟釣魚郵件附件。")],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = b
        .post(
            &format!("/incidents/{id}/report-draft"),
            &[("section-root_cause", "bad\u{7}")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("id=\"section-root_cause-error\"") || r.body.contains("不可包含控制字元"),
        "{}",
        r.body
    );
    let r = b.post(&format!("/incidents/{id}/report"), &[]).await;
    assert!(r.body.contains("事件影響範圍及損害評估") && !r.body.contains("尚缺：事件根因分析"));
    assert_eq!(write_report(&mut b, &id).await.status, 303);
    assert_eq!(
        b.post(&format!("/incidents/{id}/report"), &[]).await.status,
        303
    );
    assert_eq!(app.events("incident.report_save").await.len(), 2);

    let (status, _, bytes) = b.get_bytes(&format!("/incidents/{id}/report.odt")).await;
    assert_eq!(status, 200);
    let (status, _, pdf) = b.get_bytes(&format!("/incidents/{id}/report.pdf")).await;
    assert_eq!(status, 200);
    let expected = [
        "資通安全事件調查、處理及改善報告",
        "事件發生或知悉、完成損害控制或復原之時間",
        "民國115年3月2日08:30",
        "民國115年3月2日08:50",
        "事件影響範圍及損害評估",
        "教務處一台電腦，未擴散。",
        "損害控制及復原作業之歷程",
        "事件調查及處理作業之歷程",
        "事件根因分析",
        "開啟釣魚郵件附件。",
        "防範類似事件再次發生",
        "預定完成時程及成效追蹤機制",
        "施行細則§12",
    ];
    {
        let own = own_pdf_text(&pdf);
        assert_pdf_has(&own, &expected);
    }
    let text = pdf_text_of(&bytes);
    assert_pdf_has(&text, &expected);
    // Once closed, the report is frozen like the rest of the record.
    b.get(&format!("/incidents/{id}")).await;
    assert_eq!(
        b.post(&format!("/incidents/{id}/close"), &[]).await.status,
        303
    );
    assert_eq!(write_report(&mut b, &id).await.status, 409);
}

#[tokio::test]
async fn open_incidents_and_pending_reviews_are_on_the_dashboard() {
    let app = spawn_app().await;
    let mut officer = app.signed_in("xiaying.officer").await;
    let id = id_of(&file(&mut officer, &[]).await);
    let dash = officer.get("/").await;
    assert!(dash.body.contains("處理中的資安事件") && dash.body.contains("教務處電腦感染勒索軟體"));
    assert!(
        dash.body.contains("通報") && dash.body.contains("剩餘 0 小時 30 分"),
        "{}",
        dash.body
    );
    let mut auditor = app.signed_in("tainan.officer").await;
    assert!(
        !auditor.get("/").await.body.contains("待審核"),
        "nothing to review before notification"
    );
    officer.get(&format!("/incidents/{id}")).await;
    officer
        .post(
            &format!("/incidents/{id}/notify"),
            &[("notify-ticket", "T-9")],
        )
        .await;
    let dash = auditor.get("/").await;
    assert!(
        dash.body.contains("教務處電腦感染勒索軟體") && dash.body.contains("待審核"),
        "{}",
        dash.body
    );
    assert!(auditor.get("/incidents").await.body.contains("待審核"));
    assert!(
        !officer.get("/").await.body.contains("待審核"),
        "the school does not review itself"
    );
    auditor.get(&format!("/incidents/{id}")).await;
    auditor
        .post(
            &format!("/incidents/{id}/review"),
            &[("review-note", "已閱")],
        )
        .await;
    assert!(!auditor.get("/").await.body.contains("待審核"));
    // The other school's dashboard stays empty of it.
    let mut tuku = app.signed_in("tuku.officer").await;
    assert!(!tuku.get("/").await.body.contains("勒索"));
}

#[tokio::test]
async fn scripts_file_and_watch_incidents_through_the_api() {
    let app = spawn_app().await;
    let token = |user: &str| {
        let out = app.cli(&["token", "create", "--username", user], None);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let officer = token("xiaying.officer");
    let r = app
        .bearer_post_json(&officer, "/api/v1/agencies/xiaying-es/incidents", &serde_json::json!({
            "title": "郵件帳號遭盜用", "reporter_name": "施昀豆", "aware_at": "2026-03-02T08:30:00+08:00",
            "category": "INT", "subtype": "系統被入侵", "description": "寄出大量垃圾郵件。",
            "protection": ["antivirus", "firewall"], "c_scope": "core", "c_severity": "minor"
        }))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let created: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(created["level"], 2, "core information, minor leak");
    let id = created["id"].as_str().unwrap().to_string();
    let detail = app
        .bearer_get(&officer, &format!("/api/v1/incidents/{id}"))
        .await;
    assert_eq!(detail.status, 200);
    let v: serde_json::Value = serde_json::from_str(&detail.body).unwrap();
    assert_eq!(v["deadlines"][0]["kind"], "notification");
    assert_eq!(v["deadlines"][0]["due"], "2026-03-02T01:30:00Z");
    assert_eq!(v["incident"]["protection"], "antivirus,firewall");
    let list = app.bearer_get(&officer, "/api/v1/incidents").await;
    let v: serde_json::Value = serde_json::from_str(&list.body).unwrap();
    assert_eq!(v[0]["next_deadline"]["kind"], "notification");

    let bad = app
        .bearer_post_json(
            &officer,
            "/api/v1/agencies/xiaying-es/incidents",
            &serde_json::json!({
            "title": "", "aware_at": "2099-01-01T00:00:00+08:00", "category": "ZZZ"}),
        )
        .await;
    assert_eq!(bad.status, 422);
    let v: serde_json::Value = serde_json::from_str(&bad.body).unwrap();
    let fields: Vec<&str> = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for f in [
        "title",
        "reporter_name",
        "aware_at",
        "category",
        "description",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let tuku = token("tuku.officer");
    assert_eq!(
        app.bearer_get(&tuku, &format!("/api/v1/incidents/{id}"))
            .await
            .status,
        404
    );
    assert_eq!(
        app.bearer_post_json(
            &tuku,
            "/api/v1/agencies/xiaying-es/incidents",
            &serde_json::json!({})
        )
        .await
        .status,
        404
    );
    let auditor = token("tainan.auditor");
    assert_eq!(
        app.bearer_get(&auditor, &format!("/api/v1/incidents/{id}"))
            .await
            .status,
        200
    );
    assert_eq!(
        app.bearer_post_json(
            &auditor,
            "/api/v1/agencies/xiaying-es/incidents",
            &serde_json::json!({})
        )
        .await
        .status,
        403,
        "the bureau does not file the school's incidents"
    );
}

#[tokio::test]
async fn drills_are_recorded_with_their_results_and_fall_due_again() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let page = b.get("/agencies/xiaying-es/drills").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("社交工程演練")
            && page.body.contains("尚無紀錄")
            && page.body.contains("§10 I")
    );
    let before = app.audit_count().await;
    let r = b
        .post(
            "/agencies/xiaying-es/drills",
            &[
                ("kind", "fire"),
                ("held_on", "2026-04-01"),
                ("participants", "10"),
                ("opened", "11"),
                ("clicked", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    for field in ["kind", "held_on", "opened", "clicked"] {
        assert!(r.body.contains(&format!("id=\"{field}-error\"")), "{field}");
    }
    assert_eq!(app.audit_count().await, before, "nothing written");
    let r = b
        .post(
            "/agencies/xiaying-es/drills",
            &[
                ("kind", "social_engineering"),
                ("held_on", "115/02/10"),
                ("participants", "40"),
                ("opened", "12"),
                ("clicked", "3"),
                ("notes", "教務處點擊率最高"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = b.get("/agencies/xiaying-es/drills").await;
    // §10 I: six months after 2026-02-10; 12 of 40 opened, 3 clicked.
    for expected in ["民國115年8月10日", "30.0%", "7.5%", "教務處點擊率最高"] {
        assert!(page.body.contains(expected), "{expected}");
    }
    assert_eq!(app.events("incident.drill_create").await.len(), 1);
    // the drill is evidence of the first half-year's drill duty
    let a = app
        .store
        .agency_by_code(&anwei_store::Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    let tasks = app
        .store
        .tasks(&anwei_store::Actor::cli(), Some(a.id), 2026)
        .await
        .unwrap();
    let h1 = tasks
        .iter()
        .find(|t| t.obligation_key == "social-engineering-drill" && t.period_key == "2026-H1")
        .unwrap();
    let evidence = app.store.evidence_of_task(h1.id).await.unwrap();
    assert_eq!(evidence.len(), 1);
    assert_eq!(
        evidence[0].title,
        "社交工程演練 115/02/10：參與 40 人，開啟 12 人（30.0%），點擊 3 人（7.5%）"
    );
    assert_eq!(
        evidence[0].effective_on,
        time::macros::date!(2026 - 02 - 10)
    );
    let page = b.get(&format!("/tasks/{}", h1.id)).await;
    assert!(page.body.contains("開啟 12 人（30.0%）"), "{}", page.body);
    let mut auditor = app.signed_in("tainan.auditor").await;
    assert_eq!(auditor.get("/agencies/xiaying-es/drills").await.status, 200);
    assert_eq!(
        auditor
            .post(
                "/agencies/xiaying-es/drills",
                &[("kind", "response"), ("held_on", "115/02/11")]
            )
            .await
            .status,
        403
    );
    let mut tuku = app.signed_in("tuku.officer").await;
    assert_eq!(tuku.get("/agencies/xiaying-es/drills").await.status, 404);
}

/// Escalation e-mails through a real SMTP server, at the right moments as the clock moves: a
/// warning when a quarter of the hour to notify is left, a notice to the supervisor too once it
/// is missed, and the supervisor's own review clock after the notification.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missed_and_approaching_deadlines_are_escalated_by_mail() {
    use time::macros::datetime;
    let app = spawn_app().await;
    let sink = MailSink::start(0);
    let mut officer = app.signed_in("xiaying.officer").await;
    // aware 08:30 Taipei, level 2 (proposed): notify by 09:30
    let id = id_of(&file(&mut officer, &[]).await);
    let worker = app.worker(Some(&sink)).await;
    let incident_mail = |sink: &MailSink| -> Vec<(String, String)> {
        sink.messages()
            .iter()
            .map(|m| {
                let to = m
                    .lines()
                    .next()
                    .unwrap()
                    .trim_start_matches("X-Envelope-To: ")
                    .to_string();
                (to, decode_mail(m).0)
            })
            .filter(|(_, s)| s.contains("資安事件"))
            .collect()
    };
    worker.pass().await.unwrap();
    assert!(
        incident_mail(&sink).is_empty(),
        "09:00: half an hour left, no warning yet"
    );

    app.clock.set(datetime!(2026-03-02 01:16 UTC)); // 09:16
    worker.pass().await.unwrap();
    let mails = incident_mail(&sink);
    let mut to: Vec<&str> = mails.iter().map(|(t, _)| t.as_str()).collect();
    to.sort();
    assert_eq!(
        to,
        ["officer@xiaying-es.example", "principal@xiaying-es.example"],
        "{mails:?}"
    );
    assert!(
        mails[0].1.contains("即將逾時") && mails[0].1.contains("通報期限 民國115年3月2日 09:30"),
        "{mails:?}"
    );

    app.clock.set(datetime!(2026-03-02 01:19 UTC)); // 09:19: the job runs again, nothing new
    worker.pass().await.unwrap();
    assert_eq!(incident_mail(&sink).len(), 2);

    app.clock.set(datetime!(2026-03-02 01:31 UTC)); // 09:31: missed
    worker.pass().await.unwrap();
    let missed: Vec<(String, String)> = incident_mail(&sink)
        .into_iter()
        .filter(|(_, s)| s.contains("已逾時"))
        .collect();
    let mut to: Vec<&str> = missed.iter().map(|(t, _)| t.as_str()).collect();
    to.sort();
    assert_eq!(
        to,
        [
            "officer@tainan-edu.example",
            "officer@xiaying-es.example",
            "principal@xiaying-es.example"
        ],
        "the supervisor's reviewer hears of a missed notification (not its auditor, who reviews nothing)"
    );

    // notified at 09:40: the supervisor's 8-hour review clock runs to 17:40 and warns from 15:40
    let incident = app
        .store
        .incident(&anwei_store::Actor::cli(), id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    app.store
        .incident_step(
            &anwei_store::Actor::cli(),
            &incident,
            &Default::default(),
            &anwei_store::incidents::Step::Notify {
                at: datetime!(2026-03-02 01:40 UTC),
                ticket: "T-1".into(),
            },
            datetime!(2026-03-02 01:40 UTC),
        )
        .await
        .unwrap();
    app.clock.set(datetime!(2026-03-02 07:41 UTC)); // 15:41
    let before = incident_mail(&sink).len();
    worker.pass().await.unwrap();
    let review: Vec<(String, String)> = incident_mail(&sink).into_iter().skip(before).collect();
    let mut to: Vec<&str> = review.iter().map(|(t, _)| t.as_str()).collect();
    to.sort();
    assert_eq!(to, ["officer@tainan-edu.example"], "{review:?}");
    assert!(review[0].1.contains("上級機關審核"), "{review:?}");
    assert!(!app.events("mail.sent").await.is_empty());
}

/// Every step of the response can carry its proof: a file on the notification step, a link for
/// the incident as a whole; bad files are refused next to the field; other schools see nothing.
#[tokio::test]
async fn evidence_is_attached_to_the_incident_and_its_steps() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let id = id_of(&file(&mut b, &[]).await);
    b.get(&format!("/incidents/{id}")).await;
    b.post(
        &format!("/incidents/{id}/notify"),
        &[("notify-ticket", "TACERT-115-0007")],
    )
    .await;
    let events = app
        .store
        .incident_events(id.parse().unwrap())
        .await
        .unwrap();
    let notify = events
        .iter()
        .find(|e| e.kind == "notify")
        .unwrap()
        .id
        .to_string();
    b.get(&format!("/incidents/{id}")).await;
    let png = b"\x89PNG\r\n\x1a\n fake screenshot".to_vec();
    let r = b
        .post_multipart(
            &format!("/incidents/{id}/evidence"),
            &[
                ("title", "通報平台截圖"),
                ("url", ""),
                ("effective_on", ""),
                ("expires_on", ""),
                ("event", &notify),
            ],
            Some(("通報.png", &png)),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = b
        .post_multipart(
            &format!("/incidents/{id}/evidence"),
            &[
                ("title", "公文"),
                ("url", "https://doc.example/115-0007"),
                ("effective_on", ""),
                ("expires_on", ""),
                ("event", ""),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = b.get(&format!("/incidents/{id}")).await;
    assert!(
        page.body.contains("通報平台截圖")
            && page.body.contains("通報.png")
            && page.body.contains("公文"),
        "{}",
        page.body
    );
    let attached = app
        .store
        .evidence_of_incident(id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(attached.len(), 2);
    assert_eq!(attached[0].0.map(|e| e.to_string()), Some(notify.clone()));
    assert_eq!(attached[1].0, None);
    let (status, _, bytes) = b
        .get_bytes(&format!("/evidence/{}", attached[0].1.id))
        .await;
    assert_eq!((status, bytes), (200, png));
    // a file that is not what it says, and a step of another incident: refused, nothing stored
    let r = b
        .post_multipart(
            &format!("/incidents/{id}/evidence"),
            &[
                ("title", "x"),
                ("url", ""),
                ("effective_on", ""),
                ("expires_on", ""),
            ],
            Some(("x.png", b"MZ")),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("不符") && r.body.contains("file-error"),
        "{}",
        r.body
    );
    let r = b
        .post_multipart(
            &format!("/incidents/{id}/evidence"),
            &[
                ("title", "x"),
                ("url", "https://a.example"),
                ("effective_on", ""),
                ("expires_on", ""),
                ("event", &uuid::Uuid::now_v7().to_string()),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        app.store
            .evidence_of_incident(id.parse().unwrap())
            .await
            .unwrap()
            .len(),
        2
    );
    // the supervisor reads it, cannot add; another school sees nothing
    let mut auditor = app.signed_in("tainan.auditor").await;
    assert_eq!(
        auditor
            .get_bytes(&format!("/evidence/{}", attached[0].1.id))
            .await
            .0,
        200
    );
    auditor.get(&format!("/incidents/{id}")).await;
    let r = auditor
        .post_multipart(
            &format!("/incidents/{id}/evidence"),
            &[("title", "x"), ("url", "https://a.example")],
            None,
        )
        .await;
    assert_eq!(r.status, 403);
    let mut tuku = app.signed_in("tuku.officer").await;
    assert_eq!(
        tuku.get_bytes(&format!("/evidence/{}", attached[0].1.id))
            .await
            .0,
        404
    );
}

/// Issue 21 item 7: a reader or converter that is not installed fails the test with how to
/// install it — in CI and outside alike — instead of letting it pass having checked nothing.
#[test]
fn item7_a_missing_tool_fails_the_test_with_the_install_hint() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = std::panic::catch_unwind(|| tool("anwei-no-such-reader", &[], dir.path()));
    let message = outcome
        .err()
        .and_then(|e| e.downcast_ref::<String>().cloned())
        .expect("a missing tool must fail the test");
    assert!(message.contains("apt-get install"), "{message}");
}

/// Issue 21 item 1: a re-notification after a level change is its own dated act beside the
/// first notification, which keeps its time and stays on time; the supervisor's review and its
/// passing on to the 主管機關 (§7 II, within the hour) are acts and clocks of their own.
#[tokio::test]
async fn item1_a_renotification_never_overwrites_the_first_notification() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let id = id_of(&file(&mut b, &[]).await);
    b.get(&format!("/incidents/{id}")).await;
    let r = b
        .post(
            &format!("/incidents/{id}/notify"),
            &[("notify-at", "2026-03-02T08:50"), ("notify-ticket", "T-1")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    work_for(&app, &mut b, 60).await;
    let r = b
        .post(
            &format!("/incidents/{id}/level"),
            &[
                ("level-level", "3"),
                ("level-at", "2026-03-02T10:00"),
                ("level-reason", "確認學籍系統資料遭竄改"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = b.get(&format!("/incidents/{id}")).await;
    assert!(
        page.body.contains("事件等級已變更，應於一小時內續行通報"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("id=\"do-notify\""),
        "the first notification is not offered again"
    );
    work_for(&app, &mut b, 30).await;
    // Posting the notification again is refused: it would rewrite the first.
    let before = app.audit_count().await;
    let r = b
        .post(
            &format!("/incidents/{id}/notify"),
            &[("notify-at", "2026-03-02T10:30"), ("notify-ticket", "T-2")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("此事件已通報"), "{}", r.body);
    assert_eq!(app.audit_count().await, before);
    let r = b
        .post(
            &format!("/incidents/{id}/renotify"),
            &[
                ("renotify-at", "2026-03-02T10:30"),
                ("renotify-ticket", "T-2"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let incident = app
        .store
        .incident(&anwei_store::Actor::cli(), id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        incident.notified_at,
        Some(time::macros::datetime!(2026-03-02 08:50 +08:00)),
        "the first notification keeps its time"
    );
    assert_eq!(incident.external_ticket.as_deref(), Some("T-1"));
    let history = app.store.incident_history(incident.id).await.unwrap();
    let kinds: Vec<&str> = history.notices.iter().map(|n| n.kind.as_str()).collect();
    assert_eq!(kinds, ["notification", "renotification"]);
    assert_eq!(history.notices[1].level, Some(3));
    // Through the API: the first notification on time, the re-notification done.
    let token = app.token_of("xiaying.officer").await;
    let v: serde_json::Value = serde_json::from_str(
        &app.bearer_get(&token, &format!("/api/v1/incidents/{id}"))
            .await
            .body,
    )
    .unwrap();
    let deadlines = v["deadlines"].as_array().unwrap();
    let of = |kind: &str| {
        deadlines
            .iter()
            .find(|d| d["kind"] == kind)
            .unwrap()
            .clone()
    };
    assert_eq!(of("notification")["late"], false);
    assert_eq!(of("notification")["done_at"], "2026-03-02T00:50:00Z");
    assert_eq!(of("renotification")["done_at"], "2026-03-02T02:30:00Z");
    assert_eq!(of("renotification")["late"], false);
    // The supervisor reviews, then passes the review on within the hour.
    let mut bureau = app.signed_in("tainan.officer").await;
    bureau.get(&format!("/incidents/{id}")).await;
    let r = bureau
        .post(
            &format!("/incidents/{id}/pass_on"),
            &[("pass_on-note", "x")],
        )
        .await;
    assert_eq!(r.status, 422, "nothing to pass on before the review");
    let r = bureau
        .post(
            &format!("/incidents/{id}/review"),
            &[("review-note", "處置得宜。")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = bureau.get(&format!("/incidents/{id}")).await;
    assert!(page.body.contains("審核結果通知主管機關"), "{}", page.body);
    let r = bureau
        .post(
            &format!("/incidents/{id}/pass_on"),
            &[("pass_on-note", "以電子郵件通知數位發展部資通安全署")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // the school cannot pass on its own review
    assert_eq!(
        b.post(
            &format!("/incidents/{id}/pass_on"),
            &[("pass_on-note", "x")]
        )
        .await
        .status,
        403
    );
    let history = app.store.incident_history(incident.id).await.unwrap();
    let kinds: Vec<&str> = history.notices.iter().map(|n| n.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["notification", "renotification", "review", "pass_on"]
    );
    let v: serde_json::Value = serde_json::from_str(
        &app.bearer_get(&token, &format!("/api/v1/incidents/{id}"))
            .await
            .body,
    )
    .unwrap();
    let pass = v["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "supervisor_pass_on")
        .unwrap()
        .clone();
    assert_eq!(pass["late"], false, "{pass}");
    assert!(pass["done_at"].is_string());
}
