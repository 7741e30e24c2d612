//! Times the export of the seed school's whole plan to each format (the template with the
//! school's roster, as `anwei demo` publishes it), and LibreOffice turning the same ODT into
//! PDF — the conversion a user would otherwise do. Prints figures; asserts nothing.
//!   cargo run --release -p anwei-docs --example plan_bench [runs]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use anwei_docs::Format;
use anwei_docs::plan::{Edition, plan_document};
use anwei_domain::agency::ResponsibilityLevel;
use anwei_domain::catalog::Catalog;
use anwei_domain::plan::{Facts, Member};
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let catalog = Catalog::load().expect("catalog");
    let template = catalog.plan_template("tainan-school-d").expect("template");
    let member = |role: &str, name: &str, title: &str| Member {
        role: role.into(),
        name: name.into(),
        title: title.into(),
        duties: String::new(),
    };
    let content = template.instantiate(vec![
        member("ciso", "邱明崇", "下營國民小學\n校長"),
        member("unit_head", "李玉萍", "教師兼\n教務主任"),
        member("officer", "施昀豆", "代理教師兼\n註冊設備組長"),
    ]);
    let facts = Facts {
        agency_name: "臺南市下營區下營國民小學".into(),
        level: Some(ResponsibilityLevel::D),
    };
    let edition = Edition {
        label: "第 1 版".into(),
        dated: "民國115年11月24日".into(),
        approvals: vec!["核定　邱明崇　民國115年11月24日".into()],
    };
    let build: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let _ = plan_document(&content, &facts, &edition);
            t.elapsed()
        })
        .collect();
    println!(
        "plan document model: median {:?} over {runs} runs",
        median(build)
    );
    let doc = plan_document(&content, &facts, &edition);
    let dir = std::env::temp_dir().join(format!("anwei-plan-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for format in [Format::Odt, Format::Docx, Format::Html, Format::Pdf] {
        // the first PDF also parses the font; report it apart
        let first = Instant::now();
        let bytes = format.render(&doc).expect("render");
        let first = first.elapsed();
        // Each run prints a different version, as a server does: Typst memoises a compile
        // whose source is unchanged, which would measure the cache, not the layout.
        let times: Vec<Duration> = (0..runs)
            .map(|i| {
                let edition = Edition {
                    label: format!("第 {} 版", i + 2),
                    ..edition.clone()
                };
                let doc = plan_document(&content, &facts, &edition);
                let t = Instant::now();
                let _ = format.render(&doc).expect("render");
                t.elapsed()
            })
            .collect();
        println!(
            "{:>4}: median {:>9.1?}, first {:>9.1?}, {} bytes",
            format.extension(),
            median(times),
            first,
            bytes.len()
        );
        std::fs::write(dir.join(format!("plan.{}", format.extension())), bytes).unwrap();
    }
    let odt = dir.join("plan.odt");
    let mut lo = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let status = std::process::Command::new("soffice")
            .args([
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
            ])
            .arg(dir.join("lo"))
            .arg(&odt)
            .env("HOME", &dir)
            .output();
        match status {
            Ok(out) if out.status.success() => lo.push(t.elapsed()),
            _ => {
                println!("LibreOffice: not available");
                break;
            }
        }
    }
    if !lo.is_empty() {
        println!(
            "LibreOffice ODT → PDF (soffice --headless --convert-to pdf, a new process each time): median {:?} over {} runs",
            median(lo.clone()),
            lo.len()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
