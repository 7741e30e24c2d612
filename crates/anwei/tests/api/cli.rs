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
