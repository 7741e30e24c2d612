//! 資通安全維護計畫: the demo school's plan exports as the seed plan in every format, lint finds
//! the seed's defects and nothing in a fixed plan, the approval rules, and the command line.

use crate::support::*;
use anwei_store::Actor;
use std::io::Read;

/// The seed plan as the school wrote it (the source of the template).
const SEED: &str = include_str!("../../../../catalog/plan-templates/sources/xiaying-es-plan.txt");

/// Text compared without layout: whitespace, dot leaders and the "- " bullets of the text
/// extraction removed.
fn normal(s: &str) -> String {
    let s = s.trim().trim_start_matches("- ").trim_start_matches('-');
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '…' | '\u{2060}'))
        .collect()
}

/// The seed's lines that a generated plan must reproduce: every non-empty line except the table
/// of contents (regenerated; its page numbers follow the layout) and the table rules (`--`).
fn seed_lines() -> Vec<String> {
    let lines: Vec<&str> = SEED.lines().collect();
    let toc_start = lines.iter().position(|l| l.trim() == "目 錄").unwrap();
    let body = lines
        .iter()
        .enumerate()
        .skip(toc_start + 1)
        .find(|(_, l)| l.trim().starts_with("壹、") && !l.contains('\t'))
        .map(|(i, _)| i)
        .unwrap();
    lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i <= toc_start || *i >= body)
        .map(|(_, l)| normal(l))
        .filter(|l| !l.is_empty() && !l.chars().all(|c| c == '-'))
        .collect()
}

/// The text of an ODT: every paragraph and heading, in order.
fn odt_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    {
        let first = zip.by_index(0).unwrap();
        assert_eq!(first.name().unwrap(), "mimetype");
        assert_eq!(first.compression(), zip::CompressionMethod::Stored);
    }
    let mut xml = String::new();
    zip.by_name("content.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let mut out = String::new();
    let mut in_tag = false;
    let mut tag = String::new();
    for c in xml.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                if tag.starts_with("/text:p") || tag.starts_with("/text:h") {
                    out.push('\n');
                }
            }
            (true, c) => tag.push(c),
            (false, c) => out.push(c),
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The exported plan holds the seed: the share of its lines found in the ODT (in order for the
/// headings), every row of its tables, and the same in DOCX and PDF; LibreOffice opens both.
#[tokio::test]
async fn the_demo_plan_exports_as_the_seed_in_every_format() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let page = b.get("/agencies/xiaying-es/plan").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("第 1 版"), "{}", page.body);
    let (status, headers, odt) = b.get_bytes("/agencies/xiaying-es/plan/1/plan.odt").await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["content-type"],
        "application/vnd.oasis.opendocument.text"
    );
    let text = odt_text(&odt);
    assert!(
        text.contains("送核　施昀豆") && text.contains("核定　邱明崇"),
        "the approval record on the cover: {text}"
    );
    let generated = normal(&text);
    let seed = seed_lines();
    let found: Vec<&String> = seed.iter().filter(|l| generated.contains(*l)).collect();
    let missing: Vec<&String> = seed.iter().filter(|l| !generated.contains(*l)).collect();
    let share = found.len() as f64 / seed.len() as f64;
    eprintln!(
        "seed lines reproduced: {} of {} ({:.1} %); missing: {missing:#?}",
        found.len(),
        seed.len(),
        share * 100.0
    );
    assert!(share >= 0.95, "{share}: {missing:#?}");
    // every heading of the seed's body, in order
    let headings: Vec<String> = SEED
        .lines()
        .skip_while(|l| !l.contains("目 錄"))
        .skip(1)
        .skip_while(|l| !l.trim().starts_with("壹、") || l.contains('\t'))
        .filter(|l| {
            let l = l.trim();
            ["壹", "貳", "參", "肆", "伍", "陸", "柒", "捌", "玖"]
                .iter()
                .any(|c| l.starts_with(&format!("{c}、")) || l.starts_with(&format!("{c}拾")))
        })
        .map(normal)
        .collect();
    assert_eq!(headings.len(), 17, "{headings:?}");
    let mut at = 0;
    for h in &headings {
        let pos = generated[at..]
            .find(h.as_str())
            .unwrap_or_else(|| panic!("{h} not after position {at}"));
        at += pos + h.len();
    }
    // every row of the seed's tables, as its cells in order
    for line in SEED
        .lines()
        .filter(|l| l.contains('\t') && !l.starts_with("--"))
    {
        if line.contains("目 錄") || line.trim_end().ends_with(char::is_numeric) {
            continue; // table-of-contents lines carry page numbers
        }
        assert!(generated.contains(&normal(line)), "table row: {line}");
    }
    // DOCX: the same text, and LibreOffice converts it
    let (status, _, docx) = b.get_bytes("/agencies/xiaying-es/plan/1/plan.docx").await;
    assert_eq!(status, 200);
    let docx_text = normal(&anwei_docs::docx_text(&docx).unwrap());
    let in_docx = seed.iter().filter(|l| docx_text.contains(*l)).count();
    assert!(in_docx as f64 / seed.len() as f64 >= 0.95);
    // PDF: our own (fonts embedded) carries the Chinese headings
    let (status, _, pdf) = b.get_bytes("/agencies/xiaying-es/plan/1/plan.pdf").await;
    assert_eq!(status, 200);
    {
        let text = crate::incidents::own_pdf_text(&pdf);
        crate::incidents::assert_pdf_has(
            &text,
            &[
                "資通安全維護計畫",
                "目錄",
                "壹、依據及目的",
                "壹拾柒、相關法規、程序及表單",
                "校長(資安長)簽章",
            ],
        );
    }
    {
        let text = crate::incidents::pdf_text_of(&odt);
        crate::incidents::assert_pdf_has(&text, &["壹拾參、資通安全教育訓練"]);
    }
    {
        let pdf = crate::incidents::libreoffice_convert(&docx, "docx", "pdf");
        assert!(pdf.starts_with(b"%PDF"));
    }
    // HTML, rendered from the frozen content
    let html = b.get("/agencies/xiaying-es/plan/1/plan.html").await;
    assert!(
        html.body.contains("<h2 id=\"h1\">壹、依據及目的</h2>"),
        "{}",
        html.body
    );
    // an unknown version or format: not found
    for path in [
        "/agencies/xiaying-es/plan/9/plan.odt",
        "/agencies/xiaying-es/plan/1/plan.xlsx",
        "/agencies/xiaying-es/plan/draft/plan.odt",
        "/agencies/xiaying-es/plan/x/plan.odt",
    ] {
        assert_eq!(b.get_bytes(path).await.0, 404, "{path}");
    }
}

/// Lint finds the seed's outdated citations, the 資訊人員 training rule it does not state and
/// its two 資通安全長; the officer fixes the draft through the section form and lint is clean.
#[tokio::test]
async fn lint_finds_the_seed_defects_and_nothing_in_the_fixed_plan() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let page = b.get("/agencies/xiaying-es/plan?on=2026-11-24").await;
    for text in [
        "「資通安全管理法第10條」已修正，應改為「資通安全管理法第13條」",
        "「施行細則第6條」已修正，應改為「施行細則第9條」",
        "「資訊人員」訓練規定未載明",
        "本章記載由「教務主任」兼任資通安全長，但簽核欄及名單之資通安全長為「校長 邱明崇」",
        "伍、一、資通安全長",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    // before the rewrite the article numbers were right: the two 資通安全長 and the guidelines'
    // issuer (renamed in 2022) remain
    let old = b.get("/agencies/xiaying-es/plan?on=2025-06-30").await;
    assert!(old.body.contains("發現 3 項問題"), "{}", old.body);
    assert!(!old.body.contains("資通安全管理法第13條"));
    // open a draft and fix each finding in its section
    let r = b.post("/agencies/xiaying-es/plan/draft", &[]).await;
    assert_eq!(r.status, 303);
    let catalog = anwei_domain::catalog::Catalog::load().unwrap();
    let school = app
        .store
        .agency_by_code(&Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    let draft = app.store.open_plan(&school).await.unwrap().unwrap();
    let content = draft.content().unwrap();
    let findings = anwei_app::plans::lint_plan(
        &app.store,
        &catalog,
        &school,
        &content,
        time::macros::date!(2026 - 11 - 24),
    )
    .await
    .unwrap();
    assert_eq!(findings.len(), 15, "{findings:#?}");
    let mut sections: Vec<String> = findings.iter().filter_map(|f| f.section.clone()).collect();
    sections.dedup();
    for id in sections {
        let s = content.section(&id).unwrap();
        let mut text = anwei_domain::plan::blocks_to_markup(&s.blocks);
        for r in &catalog.plan_rules.renamed {
            if r.near
                .as_deref()
                .is_none_or(|n| text.replace('\n', "").contains(n))
            {
                text = text.replace(&r.find, &r.replace);
            }
        }
        text = text.replace("擇請教務主任兼任", "擇請{資通安全長職稱}兼任");
        if s.topic.as_deref() == Some("training-requirements") {
            text.push_str("\n\n資訊人員每二年接受3小時以上之資通安全專業課程訓練或職能訓練。");
        }
        if s.topic.as_deref() == Some("outsourcing") {
            text.push_str(
                "\n\n委外契約應載明：受託者應具備完善之資通安全管理措施或通過第三方驗證，並配置資通安全專業人員；\
                 複委託應經本機關同意；涉及國家機密者，受託者人員應經適任性查核；客製化開發應提出安全性檢測證明；\
                 非自行開發之元件應標示並提出授權證明；受託者違反資通安全規定或發生資通安全事件時，應立即通知本機關；\
                 委外關係終止時，受託者應返還、移交、刪除或銷毀所持有之資料；本機關應定期稽核受託者。\
                 \n\n本機關不得下載、安裝或使用危害國家資通安全產品。",
            );
        }
        let form = b
            .get(&format!("/agencies/xiaying-es/plan/sections/{id}"))
            .await;
        assert_eq!(form.status, 200);
        let r = b
            .post(
                &format!("/agencies/xiaying-es/plan/sections/{id}"),
                &[("title", s.title.as_str()), ("body", text.as_str())],
            )
            .await;
        assert_eq!(r.status, 303, "{id}: {}", r.body);
    }
    let page = b.get("/agencies/xiaying-es/plan?on=2026-11-24").await;
    assert!(page.body.contains("id=\"lint-clean\""), "{}", page.body);
    // every edit is in the audit chain with its text before and after
    let edits = app.events("plan.edit").await;
    assert!(!edits.is_empty());
    // the draft's diff against version 1 shows the changed paragraphs
    let d = b
        .get("/agencies/xiaying-es/plan/diff?from=1&to=draft")
        .await;
    assert_eq!(d.status, 200);
    assert!(
        d.body.contains("資通安全管理法第13條") && d.body.contains("壹、依據及目的"),
        "{}",
        d.body
    );
    // a plan missing a statutory item still prints, with the gap shown, and lint names it
    let r = b
        .post(
            "/agencies/xiaying-es/plan/sections/10",
            &[
                ("title", "資通安全事件通報、應變及演練相關機制"),
                ("body", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = b.get("/agencies/xiaying-es/plan?on=2026-11-24").await;
    assert!(page.body.contains("計畫未載明第9款"), "{}", page.body);
    let (status, _, odt) = b
        .get_bytes("/agencies/xiaying-es/plan/draft/plan.odt")
        .await;
    assert_eq!(status, 200);
    let text = odt_text(&odt);
    let at = text
        .find("壹拾、資通安全事件通報、應變及演練相關機制")
        .unwrap();
    assert!(text[at..].contains("（本節尚未填寫）"), "{text}");
    // the CLI agrees
    let out = app.cli(
        &[
            "plan",
            "lint",
            "--agency",
            "xiaying-es",
            "--on",
            "2026-11-24",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "version 1 is still the published one"
    );
}

/// Draft → submitted → approved by the 資通安全長 → published and frozen; each step audited;
/// the officer cannot approve; a published version cannot change; another agency sees nothing.
#[tokio::test]
async fn only_the_ciso_approves_and_a_published_version_is_frozen() {
    let app = spawn_app().await;
    let mut officer = app.signed_in("xiaying.officer").await;
    officer.get("/agencies/xiaying-es/plan").await;
    // nothing open: editing is refused, with the reason
    let r = officer
        .post(
            "/agencies/xiaying-es/plan/sections/1",
            &[("title", "依據及目的"), ("body", "改寫")],
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("只有草稿可以修改"), "{}", r.body);
    officer.post("/agencies/xiaying-es/plan/draft", &[]).await;
    // a second draft is refused
    let r = officer.post("/agencies/xiaying-es/plan/draft", &[]).await;
    assert_eq!(r.status, 409);
    // bad input: a ragged table, and a roster without a 資通安全長
    let before = app.audit_count().await;
    let r = officer
        .post(
            "/agencies/xiaying-es/plan/sections/3.1",
            &[
                ("title", "核心業務及重要性"),
                ("body", "| 核心業務 | 核心資通系統 |\n| 教務業務 |"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"body-error\"") && r.body.contains("第 2 列"));
    officer.get("/agencies/xiaying-es/plan/roster").await;
    let r = officer
        .post(
            "/agencies/xiaying-es/plan/roster",
            &[
                ("ciso-name", ""),
                ("ciso-title", "校長"),
                ("members", "只有名字"),
                ("classification", "一般"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"ciso-name-error\"") && r.body.contains("id=\"members-error\""));
    assert_eq!(app.audit_count().await, before, "nothing written");
    // the roster: a new 單位主管 appears in the signature block
    let r = officer
        .post(
            "/agencies/xiaying-es/plan/roster",
            &[
                ("ciso-name", "邱明崇"),
                ("ciso-title", "下營國民小學\n校長"),
                ("unit_head-name", "王怡君"),
                ("unit_head-title", "教師兼\n教務主任"),
                ("officer-name", "施昀豆"),
                ("officer-title", "代理教師兼\n註冊設備組長"),
                ("members", "陳志明｜教師兼資訊組長｜資通系統維護"),
                ("classification", "一般"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = officer
        .post("/agencies/xiaying-es/plan/step/submit", &[])
        .await;
    assert_eq!(r.status, 303);
    // submitted: no more edits; the officer cannot approve
    let r = officer
        .post(
            "/agencies/xiaying-es/plan/sections/1",
            &[("title", "依據及目的"), ("body", "改寫")],
        )
        .await;
    assert_eq!(r.status, 409);
    let r = officer
        .post("/agencies/xiaying-es/plan/step/approve", &[])
        .await;
    assert_eq!(r.status, 403);
    // the 資通安全長 approves; the officer publishes
    let mut ciso = app.signed_in("xiaying.principal").await;
    let page = ciso.get("/agencies/xiaying-es/plan").await;
    assert!(page.body.contains("id=\"plan-approve\""), "{}", page.body);
    let r = ciso
        .post("/agencies/xiaying-es/plan/step/approve", &[])
        .await;
    assert_eq!(r.status, 303);
    let r = officer
        .post("/agencies/xiaying-es/plan/step/publish", &[])
        .await;
    assert_eq!(r.status, 303);
    let school = app
        .store
        .agency_by_code(&Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    let v2 = app
        .store
        .published_plan(&school, Some(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        v2.approved_by
            .as_deref()
            .map(|s| s.contains("xiaying.principal")),
        Some(true)
    );
    let files = app.store.plan_files(v2.id).await.unwrap();
    assert_eq!(
        files.iter().map(|f| f.format.as_str()).collect::<Vec<_>>(),
        vec!["docx", "odt", "pdf"]
    );
    // the frozen ODT names the new 單位主管 in the signature block
    let (_, _, odt) = officer
        .get_bytes("/agencies/xiaying-es/plan/2/plan.odt")
        .await;
    assert_eq!(anwei_domain::evidence::sha256_hex(&odt), files[1].sha256);
    let text = odt_text(&odt);
    assert!(
        text.contains("王怡君") && text.contains("第 2 版"),
        "{text}"
    );
    // the audit chain holds every step
    for action in [
        "plan.draft",
        "plan.edit",
        "plan.submit",
        "plan.approve",
        "plan.publish",
    ] {
        assert!(!app.events(action).await.is_empty(), "{action}");
    }
    // nothing is open now; a published version can only be followed by a new draft
    let r = officer
        .post(
            "/agencies/xiaying-es/plan/sections/1",
            &[("title", "依據及目的"), ("body", "改寫")],
        )
        .await;
    assert_eq!(r.status, 409);
    // a stored file that was altered is never served
    let path = app
        .files_dir
        .join(&files[2].sha256[..2])
        .join(&files[2].sha256);
    std::fs::write(&path, b"%PDF-1.7 altered").unwrap();
    assert_eq!(
        officer
            .get_bytes("/agencies/xiaying-es/plan/2/plan.pdf")
            .await
            .0,
        500
    );
    // another agency: not found; the supervisor reads it
    let mut other = app.signed_in("tuku.officer").await;
    for path in [
        "/agencies/xiaying-es/plan",
        "/agencies/xiaying-es/plan/2/plan.odt",
        "/agencies/xiaying-es/plan/diff?from=1&to=2",
    ] {
        assert_eq!(other.get_bytes(path).await.0, 404, "{path}");
    }
    let r = other.post("/agencies/xiaying-es/plan/draft", &[]).await;
    assert_eq!(r.status, 404);
    // 土庫國小 starts its first plan from the template: its officer is on the roster, and lint
    // asks for the 資通安全長 it has no account for
    other.get("/agencies/tuku-es/plan").await;
    let r = other.post("/agencies/tuku-es/plan/draft", &[]).await;
    assert_eq!(r.status, 303);
    let page = other.get("/agencies/tuku-es/plan").await;
    assert!(
        page.body.contains("土庫國小承辦人（示範）")
            && page.body.contains("推動組織名單未指定資通安全長"),
        "{}",
        page.body
    );
    let (_, _, html) = other
        .get_bytes("/agencies/tuku-es/plan/draft/plan.html")
        .await;
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("草稿") && html.contains("國民小學"), "{html}");
    let mut bureau = app.signed_in("tainan.auditor").await;
    assert_eq!(bureau.get("/agencies/xiaying-es/plan").await.status, 200);
    let d = bureau
        .get("/agencies/xiaying-es/plan/diff?from=1&to=2")
        .await;
    assert!(d.body.contains("王怡君"), "{}", d.body);
}

/// `anwei plan export`: each format written; an unknown agency, version or format is one line
/// and no file.
#[tokio::test]
async fn the_plan_exports_on_the_command_line() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    for format in ["odt", "docx", "pdf", "html"] {
        let out = dir.path().join(format!("plan.{format}"));
        let r = app.cli(
            &[
                "plan",
                "export",
                "--agency",
                "xiaying-es",
                "--format",
                format,
                "--output",
                out.to_str().unwrap(),
                "--files-dir",
                app.files_dir.to_str().unwrap(),
            ],
            None,
        );
        assert!(
            r.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        assert!(std::fs::metadata(&out).unwrap().len() > 1000, "{format}");
    }
    for (args, what) in [
        (vec!["--agency", "nowhere-es", "--format", "pdf"], "agency"),
        (
            vec![
                "--agency",
                "xiaying-es",
                "--format",
                "pdf",
                "--version",
                "7",
            ],
            "version",
        ),
        (vec!["--agency", "xiaying-es", "--format", "rtf"], "format"),
    ] {
        let out = dir.path().join(format!("bad-{what}"));
        let mut all = vec!["plan", "export"];
        all.extend(args);
        all.extend(["--output", out.to_str().unwrap()]);
        let r = app.cli(&all, None);
        assert!(!r.status.success(), "{what}");
        assert!(!out.exists(), "{what}: nothing written");
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(!err.trim().is_empty(), "{what}");
    }
    let r = app.cli(
        &["plan", "lint", "--agency", "xiaying-es", "--format", "json"],
        None,
    );
    let json: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    // the seed's twelve defects, its training category's old name, the §11 ban and the
    // outsourcing contract's items it does not state
    assert_eq!(json["findings"].as_array().unwrap().len(), 15, "{json}");
}

/// Issue 21 item 4: every format of a published version renders from what was published — a
/// later level change, renamed agency or renamed approver does not rewrite it.
#[tokio::test]
async fn item4_a_published_versions_html_is_the_version_as_published() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let before = b.get("/agencies/xiaying-es/plan/1/plan.html").await;
    assert_eq!(before.status, 200);
    assert!(before.body.contains("D級"), "{}", before.body);
    let actor = anwei_store::Actor::cli();
    let school = app
        .store
        .agency_by_code(&actor, "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    let profile = anwei_store::agencies::AgencyProfile {
        name: "臺南市下營區下營國民小學（改制）".into(),
        kind: anwei_domain::agency::AgencyKind::School,
        level: Some(anwei_domain::agency::ResponsibilityLevel::C),
        level_approved_on: Some(time::macros::date!(2026 - 03 - 01)),
        level_basis: Some("測試".into()),
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
    let after = b.get("/agencies/xiaying-es/plan/1/plan.html").await;
    assert_eq!(after.status, 200);
    assert!(
        after.body.contains("D級") && !after.body.contains("C級"),
        "the published version says what it said: {}",
        after.body
    );
    assert!(!after.body.contains("（改制）"));
    assert_eq!(after.body, before.body, "the same document, byte for byte");
    // A new draft reads today's records.
    let draft = b.get("/agencies/xiaying-es/plan/draft/plan.html").await;
    if draft.status == 200 {
        assert!(draft.body.contains("C級"), "{}", draft.body);
    }
}
