//! Tenant isolation: a school never sees another school's records (404, as if they did not
//! exist); a supervisor's auditor reads the whole subtree and changes nothing (403).

use crate::support::*;

#[tokio::test]
async fn a_school_gets_404_for_every_resource_of_another_school() {
    let app = spawn_app().await;
    let mut x = app.signed_in("xiaying.officer").await;
    let tuku_user = app.user_id("tuku.officer").await;
    let tuku = app
        .store
        .agency_by_code(&anwei_store::Actor::cli(), "tuku-es")
        .await
        .unwrap()
        .unwrap();
    for path in [
        "/agencies/tuku-es".to_string(),
        "/agencies/tuku-es/edit".to_string(),
        "/agencies/tuku-es/users".to_string(),
        "/agencies/tuku-es/users/new".to_string(),
        format!("/users/{tuku_user}"),
        "/agencies/tainan-edu".to_string(),
        "/audit?agency=tuku-es".to_string(),
    ] {
        let r = x.get(&path).await;
        assert_eq!(r.status, 404, "GET {path}");
        assert!(!r.body.contains("土庫"), "GET {path} leaks the name");
    }
    let before = app.audit_count().await;
    for (path, fields) in [
        (
            "/agencies/tuku-es/edit".to_string(),
            vec![("name", "x"), ("kind", "school")],
        ),
        ("/agencies/tuku-es/systems".to_string(), vec![("name", "x")]),
        (
            "/agencies/tuku-es/users".to_string(),
            vec![
                ("username", "intruder"),
                ("display_name", "x"),
                ("role", "staff"),
                ("password", "Intruder-1!"),
            ],
        ),
        (format!("/users/{tuku_user}/disable"), vec![]),
        (format!("/users/{tuku_user}/role"), vec![("role", "staff")]),
        (
            format!("/users/{tuku_user}/password"),
            vec![("password", "Intruder-1!")],
        ),
    ] {
        assert_eq!(x.post(&path, &fields).await.status, 404, "POST {path}");
    }
    assert_eq!(app.audit_count().await, before, "nothing written");
    // The lists show only the own agency.
    let r = x.get("/agencies").await;
    assert!(r.body.contains("下營") && !r.body.contains("土庫") && !r.body.contains("教育局"));
    // The API answers the same.
    let (token, _, _) = {
        x.get("/tokens").await;
        let r = x.post("/tokens", &[("name", "t")]).await;
        let start = r.body.find("id=\"token-value\">").unwrap() + "id=\"token-value\">".len();
        (
            r.body[start..start + r.body[start..].find('<').unwrap()].to_string(),
            0,
            0,
        )
    };
    assert_eq!(
        app.bearer_get(&token, "/api/v1/agencies/tuku-es")
            .await
            .status,
        404
    );
    assert_eq!(
        app.bearer_get(&token, "/api/v1/agencies/tuku-es/users")
            .await
            .status,
        404
    );
    let list = app.bearer_get(&token, "/api/v1/agencies").await;
    assert!(!list.body.contains(&tuku.id.to_string()));
    let r = app
        .bearer_post_json(&token, "/api/v1/agencies/tuku-es/users", &serde_json::json!({
            "username": "intruder", "display_name": "x", "role": "staff", "password": "Intruder-1!"}))
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn the_bureau_auditor_reads_both_schools_and_writes_neither() {
    let app = spawn_app().await;
    let mut a = app.signed_in("tainan.auditor").await;
    let tuku_user = app.user_id("tuku.officer").await;
    for path in [
        "/agencies/xiaying-es".to_string(),
        "/agencies/tuku-es".to_string(),
        "/agencies/xiaying-es/users".to_string(),
        "/agencies/tuku-es/users".to_string(),
        format!("/users/{tuku_user}"),
        "/audit?agency=xiaying-es".to_string(),
        "/audit".to_string(),
    ] {
        assert_eq!(a.get(&path).await.status, 200, "GET {path}");
    }
    let r = a.get("/").await;
    assert!(
        r.body.contains("下營") && r.body.contains("土庫"),
        "dashboard lists both schools"
    );
    let before = app.audit_count().await;
    for path in [
        "/agencies/xiaying-es/edit",
        "/agencies/tuku-es/edit",
        "/agencies/tuku-es/users/new",
    ] {
        assert_eq!(a.get(path).await.status, 403, "GET {path}");
    }
    for (path, fields) in [
        (
            "/agencies/xiaying-es/edit".to_string(),
            vec![("name", "x"), ("kind", "school")],
        ),
        ("/agencies/tuku-es/systems".to_string(), vec![("name", "x")]),
        (
            "/agencies/tuku-es/users".to_string(),
            vec![
                ("username", "newbie"),
                ("display_name", "x"),
                ("role", "staff"),
                ("password", "Newbie-pass-1"),
            ],
        ),
        (format!("/users/{tuku_user}/disable"), vec![]),
        (format!("/users/{tuku_user}/role"), vec![("role", "ciso")]),
    ] {
        assert_eq!(a.post(&path, &fields).await.status, 403, "POST {path}");
    }
    assert_eq!(app.audit_count().await, before, "nothing written");
}

#[tokio::test]
async fn rights_do_not_flow_up() {
    let app = spawn_app().await;
    let mut ciso = app.signed_in("xiaying.principal").await;
    assert_eq!(ciso.get("/agencies/tainan-edu").await.status, 404);
    let r = ciso.get("/audit").await;
    assert_eq!(r.status, 200);
    assert!(
        !r.body.contains("tuku.officer"),
        "no events of the sibling school"
    );
}

#[tokio::test]
async fn the_bureau_officer_manages_accounts_below() {
    let app = spawn_app().await;
    let mut o = app.signed_in("tainan.officer").await;
    o.get("/agencies/tuku-es/users/new").await;
    let r = o
        .post(
            "/agencies/tuku-es/users",
            &[
                ("username", "tuku.teacher"),
                ("display_name", "王老師"),
                ("email", ""),
                ("role", "staff"),
                ("password", "Teacher-pass-1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // The new account must change its password at first sign-in.
    let mut t = app.browser();
    assert_eq!(
        t.login("tuku.teacher", "Teacher-pass-1").await.location(),
        "/password"
    );
}
