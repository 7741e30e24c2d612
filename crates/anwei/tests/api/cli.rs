//! The command line: what scripts and operators rely on.

use crate::support::*;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

#[tokio::test]
async fn user_add_and_token_create() {
    let app = spawn_app().await;
    let out = app.cli(
        &[
            "user",
            "add",
            "--agency",
            "xiaying-es",
            "--username",
            "xiaying.custodian",
            "--role",
            "custodian",
            "--display-name",
            "資產管理人",
            "--password-stdin",
        ],
        Some("Custodian-pass-1\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = app.cli(
        &["token", "create", "--username", "xiaying.custodian"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "only the token: {stdout}");
    let token = stdout.trim();
    assert!(token.starts_with("anwei_"));
    let me = app.bearer_get(token, "/api/v1/me").await;
    assert_eq!(me.status, 200);
    assert!(me.body.contains("custodian"));
    // A custodian's token cannot read the account list.
    assert_eq!(
        app.bearer_get(token, "/api/v1/agencies/xiaying-es/users")
            .await
            .status,
        403
    );
    // The CLI's changes are audited as the operator.
    let e = &app.events("user.create").await[0];
    assert!(e.actor_label.starts_with("cli:"));
}

#[tokio::test]
async fn errors_are_one_line_and_non_zero() {
    let app = spawn_app().await;
    for (args, stdin, expect) in [
        (
            vec![
                "user",
                "add",
                "--agency",
                "xiaying-es",
                "--username",
                "x",
                "--role",
                "staff",
                "--password-stdin",
            ],
            Some("Valid-pass-1\n"),
            "--username",
        ),
        (
            vec![
                "user",
                "add",
                "--agency",
                "xiaying-es",
                "--username",
                "new.one",
                "--role",
                "admin",
                "--password-stdin",
            ],
            Some("Valid-pass-1\n"),
            "create-admin",
        ),
        (
            vec![
                "user",
                "add",
                "--agency",
                "xiaying-es",
                "--username",
                "new.one",
                "--role",
                "staff",
                "--password-stdin",
            ],
            Some("weak\n"),
            "8 characters",
        ),
        (
            vec![
                "user",
                "add",
                "--agency",
                "nowhere",
                "--username",
                "new.one",
                "--role",
                "staff",
                "--password-stdin",
            ],
            Some("Valid-pass-1\n"),
            "no agency",
        ),
        (
            vec![
                "user",
                "add",
                "--agency",
                "xiaying-es",
                "--username",
                "new.one",
                "--role",
                "staff",
            ],
            None,
            "--password-stdin",
        ),
        (
            vec![
                "user",
                "add",
                "--agency",
                "xiaying-es",
                "--username",
                "xiaying.officer",
                "--role",
                "staff",
                "--password-stdin",
            ],
            Some("Valid-pass-1\n"),
            "taken",
        ),
        (
            vec!["token", "create", "--username", "nobody"],
            None,
            "no account",
        ),
        (
            vec![
                "create-admin",
                "--username",
                "xiaying.officer",
                "--password-stdin",
            ],
            Some("Valid-pass-12\n"),
            "taken",
        ),
    ] {
        let out = app.cli(&args, stdin);
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{args:?} should fail");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(expect), "{args:?}: {err}");
    }
}

#[tokio::test]
async fn every_subcommand_explains_itself() {
    let app = spawn_app().await;
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["create-admin", "--help"],
        vec!["user", "add", "--help"],
        vec!["token", "create", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["demo", "--help"],
        vec!["incident", "clock", "--help"],
    ] {
        let out = app.cli(&args, None);
        assert!(out.status.success(), "{args:?}");
        assert!(text(&out.stdout).contains("Usage"), "{args:?}");
    }
}

#[tokio::test]
async fn migrate_and_demo_are_idempotent() {
    let app = spawn_app().await;
    let out = app.cli(&["migrate"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = app.cli(&["demo"], None);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("already present"));
}

fn clock(args: &[&str], lang: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_anwei"))
        .current_dir(dir.path())
        .args(["incident", "clock"])
        .args(args)
        .env("LANG", lang)
        .output()
        .unwrap();
    assert!(
        !dir.path().join("anwei-data").exists(),
        "the clock needs no database"
    );
    out
}

#[test]
fn incident_clock_prints_every_deadline_with_its_rule() {
    let out = clock(
        &[
            "--aware",
            "2026-01-30T23:30:00+08:00",
            "--level",
            "2",
            "--level-change",
            "2026-01-31T01:00:00+08:00=3",
            "--recovered",
            "2026-01-31T20:00:00+08:00",
            "--format",
            "json",
        ],
        "C.UTF-8",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let due: Vec<(String, String)> = v["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_string(),
                d["due"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expect = [
        ("notification", "2026-01-31T00:30:00+08:00"),
        ("renotification", "2026-01-31T02:00:00+08:00"),
        ("supervisor_review", "2026-01-31T04:00:00+08:00"),
        ("recovery", "2026-02-01T11:30:00+08:00"),
        ("report", "2026-02-28T23:59:59+08:00"),
    ];
    assert_eq!(due, expect.map(|(k, d)| (k.to_string(), d.to_string())));
    assert_eq!(v["level"], 3);
    assert_eq!(v["meeting_required"], true);
    assert!(v["deadlines"][0]["rule"].as_str().unwrap().contains("§6 I"));

    let out = clock(
        &["--aware", "2026-01-30T23:30:00+08:00", "--level", "2"],
        "zh_TW.UTF-8",
    );
    let table = text(&out.stdout);
    for expected in [
        "通報 · 等級 2 · 期限 2026-01-31 00:30",
        "上級機關審核 · 等級 2 · 期限 2026-01-31 08:30",
        "損害控制或復原 · 等級 2 · 期限 2026-02-02 23:30",
        "§8 I",
    ] {
        assert!(table.contains(expected), "{expected}: {table}");
    }
}

#[test]
fn incident_clock_refuses_bad_times_in_one_line() {
    for (args, expect) in [
        (vec!["--aware", "yesterday", "--level", "2"], "--aware"),
        (
            vec!["--aware", "2026-01-30T23:30:00+08:00", "--level", "5"],
            "--level",
        ),
        (
            vec![
                "--aware",
                "2026-01-30T23:30:00+08:00",
                "--level",
                "2",
                "--recovered",
                "2026-01-29T00:00:00+08:00",
            ],
            "--recovered",
        ),
        (
            vec![
                "--aware",
                "2026-01-30T23:30:00+08:00",
                "--level",
                "2",
                "--level-change",
                "3",
            ],
            "TIME=LEVEL",
        ),
        (
            vec![
                "--aware",
                "2026-01-30T23:30:00+08:00",
                "--level",
                "2",
                "--level-change",
                "2026-01-29T00:00:00+08:00=3",
            ],
            "--level-change",
        ),
    ] {
        let out = clock(&args, "C.UTF-8");
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(expect), "{args:?}: {err}");
    }
}

#[test]
fn a_reader_that_goes_away_is_not_a_crash() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_anwei"))
        .args([
            "incident",
            "clock",
            "--aware",
            "2026-01-30T23:30:00+08:00",
            "--level",
            "2",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("panicked"));
}

/// `anwei asset import`: a file with a refused row imports nothing unless asked to skip it;
/// every refused row is one line with its number; a file that is no spreadsheet is one line.
#[tokio::test]
async fn the_command_line_imports_an_inventory_all_or_the_valid_rows() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("inventory.csv");
    std::fs::write(
        &csv,
        "資產名稱,類別,資產管理人,機密性\n\
         圖書館管理系統,資通系統,李玉萍,中\n\
         教務處電腦,硬體,李玉萍,普\n\
         投影機,硬體,施昀豆,很高\n",
    )
    .unwrap();
    let count = || async {
        let token = app.token_of("xiaying.officer").await;
        let r = app
            .bearer_get(&token, "/api/v1/agencies/xiaying-es/assets?per_page=1")
            .await;
        serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["total"]
            .as_u64()
            .unwrap()
    };
    let before = count().await;
    let args = [
        "asset",
        "import",
        "--agency",
        "xiaying-es",
        "--file",
        csv.to_str().unwrap(),
    ];
    let out = app.cli(&args, None);
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    // the demo has 教務處電腦 already; 投影機's rating is not a rating
    assert_eq!(err.trim().lines().count(), 3, "{err}");
    assert!(err.contains("Line 3") && err.contains("Line 4"), "{err}");
    assert_eq!(count().await, before, "nothing imported");
    let mut skip = args.to_vec();
    skip.push("--skip-invalid");
    let out = app.cli(&skip, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Imported 1 assets into xiaying-es, 2 rows skipped"));
    assert_eq!(count().await, before + 1);
    assert!(!app.events("asset.import").await.is_empty());
    // not a spreadsheet; an unknown agency
    let png = dir.path().join("photo.xlsx");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0").unwrap();
    for (file, agency) in [
        (png.to_str().unwrap(), "xiaying-es"),
        (csv.to_str().unwrap(), "nowhere"),
    ] {
        let out = app.cli(
            &["asset", "import", "--agency", agency, "--file", file],
            None,
        );
        assert!(!out.status.success());
        assert_eq!(
            text(&out.stderr).trim().lines().count(),
            1,
            "{}",
            text(&out.stderr)
        );
    }
}
