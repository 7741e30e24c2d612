//! Bad input: every error is next to its field in the user's language, nothing is half-written,
//! and no input produces a 500.

use crate::support::*;

#[tokio::test]
async fn a_bad_new_account_shows_every_error_and_writes_nothing() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    b.get("/agencies/xiaying-es/users/new").await;
    let before = app.audit_count().await;
    let r = b
        .post(
            "/agencies/xiaying-es/users",
            &[
                ("username", "X"),
                ("display_name", ""),
                ("email", "not-mail"),
                ("role", "admin"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    for (field, text) in [
        ("username", "3 至 32 個字元"),
        ("display_name", "此欄位必填"),
        ("email", "電子郵件格式不正確"),
        ("role", "create-admin"),
        ("password", "至少需要 8 個字元"),
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
    assert_eq!(app.audit_count().await, before);
    // English too.
    b.lang = "en";
    let r = b
        .post(
            "/agencies/xiaying-es/users",
            &[
                ("username", "ok.name"),
                ("display_name", "A"),
                ("role", "staff"),
                ("password", "short"),
            ],
        )
        .await;
    assert!(
        r.body.contains("The password needs at least 8 characters."),
        "{}",
        r.body
    );
    // A duplicate username is reported on the field.
    let r = b
        .post(
            "/agencies/xiaying-es/users",
            &[
                ("username", "tuku.officer"),
                ("display_name", "A"),
                ("role", "staff"),
                ("password", "Valid-pass-1"),
            ],
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("id=\"username-error\""));
    assert_eq!(app.audit_count().await, before);
}

#[tokio::test]
async fn a_bad_agency_profile_changes_nothing() {
    let app = spawn_app().await;
    // the level is the supervisor's to set (issue 21 item 2)
    let mut b = app.signed_in("tainan.officer").await;
    b.get("/agencies/xiaying-es/edit").await;
    let r = b
        .post(
            "/agencies/xiaying-es/edit",
            &[
                ("name", ""),
                ("kind", "castle"),
                ("level", "F"),
                ("level_approved_on", "115/02/30"),
                ("level_basis", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    for field in ["name", "kind", "level", "level_approved_on"] {
        assert!(r.body.contains(&format!("id=\"{field}-error\"")), "{field}");
    }
    let a = app
        .store
        .agency_by_code(&anwei_store::Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.name, "臺南市下營區下營國民小學");
    assert_eq!(a.level.as_deref(), Some("D"));
}

#[tokio::test]
async fn the_api_answers_bad_json_and_bad_fields_with_problems() {
    let app = spawn_app().await;
    let out = app.cli(&["token", "create", "--username", "xiaying.officer"], None);
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let r = app
        .client
        .post(format!("{}/api/v1/agencies/xiaying-es/users", app.base))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("accept-language", "en")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"], "error-bad-json");
    let r = app
        .bearer_post_json(
            &token,
            "/api/v1/agencies/xiaying-es/users",
            &serde_json::json!({"username": "a", "role": "root"}),
        )
        .await;
    assert_eq!(r.status, 422);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let fields: Vec<&str> = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for f in ["username", "display_name", "role", "password"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let ok = app
        .bearer_post_json(&token, "/api/v1/agencies/xiaying-es/users", &serde_json::json!({
            "username": "api.user", "display_name": "API", "role": "custodian", "password": "Api-pass-123"}))
        .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
}

/// A small deterministic generator, so a failure can be replayed.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn text(&mut self) -> String {
        const PIECES: [&str; 16] = [
            "a",
            "Z",
            "9",
            "%",
            "&",
            "=",
            "\u{0}",
            "臺",
            "'",
            "\"",
            "<script>",
            "115/02/30",
            " ",
            "--",
            "\u{202e}",
            "😀",
        ];
        let n = (self.next() % 40) as usize;
        (0..n)
            .map(|_| PIECES[(self.next() % 16) as usize])
            .collect()
    }
}

#[tokio::test]
async fn no_input_produces_a_server_error() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    b.get("/").await;
    let uid = app.user_id("xiaying.dean").await;
    let targets = [
        "/agencies/xiaying-es/edit".to_string(),
        "/agencies/xiaying-es/systems".to_string(),
        "/agencies/xiaying-es/users".to_string(),
        format!("/users/{uid}/role"),
        format!("/users/{uid}/password"),
        "/tokens".to_string(),
        "/password".to_string(),
        "/login".to_string(),
        "/users/not-a-uuid/role".to_string(),
    ];
    let names = [
        "name",
        "kind",
        "level",
        "level_approved_on",
        "level_basis",
        "username",
        "display_name",
        "email",
        "role",
        "password",
        "current_password",
        "new_password",
        "confirm_password",
        "code",
    ];
    let mut rng = Lcg(0x5eed);
    for i in 0..240 {
        let target = &targets[i % targets.len()];
        let mut fields: Vec<(String, String)> = vec![("csrf".into(), b.csrf.clone())];
        for _ in 0..(rng.next() % 6) {
            fields.push((
                names[(rng.next() % names.len() as u64) as usize].into(),
                rng.text(),
            ));
        }
        let mut body = serde_urlencoded::to_string(&fields).unwrap();
        if rng.next().is_multiple_of(5) {
            body.push_str("&%ZZ=%%&==&a=%E8%");
        }
        let r = b.post_raw(target, body, &[]).await;
        assert!(r.status < 500, "{target} answered {} to case {i}", r.status);
        // Keep the session: a random password change may have succeeded or a login replaced it.
        if !b.has_session() || r.location().starts_with("/login") || r.location() == "/password" {
            b = app.browser();
            if b.login("xiaying.officer", NEW_PASSWORD).await.status != 303 {
                b.login("xiaying.officer", DEMO_PASSWORD).await;
            }
            b.get("/").await;
            if !b.has_session() {
                break;
            }
        }
    }
    for path in [
        "/agencies/%00",
        "/users/00000000-0000-0000-0000-000000000000",
        "/audit?page=abc",
        "/audit?from=%E8",
        "/lang/xx?next=//evil",
        "/static/../Cargo.toml",
        "/api/v1/nothing",
        "/audit?actor=%00",
        "/audit?agency=%00x",
        "/audit?action=a%00",
    ] {
        let r = b.get(path).await;
        assert!(r.status < 500, "{path}: {}", r.status);
    }
}
