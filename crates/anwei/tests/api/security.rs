//! The findings of the security review that attacked Anwei on loopback, one test each (named by
//! the item it proves), on SQLite and on PostgreSQL alike.

use crate::support::*;
use reqwest::Method;
use serde_json::json;

/// Item 1: every role against every account-changing route. Nobody grants a role or manages an
/// account holding one unless `granted_by` in `catalog/roles.toml` lets them: the school's
/// officer cannot touch its 資通安全長, the 資通安全長 role comes only from the supervisor or an
/// administrator, and another school sees nothing.
#[tokio::test]
async fn item1_account_changes_obey_separation_of_duties() {
    let app = spawn_app().await;
    let principal = app.user_id("xiaying.principal").await;
    let officer = app.user_id("xiaying.officer").await;
    let dean = app.user_id("xiaying.dean").await;
    let roles = [(principal, "ciso"), (officer, "officer"), (dean, "staff")];
    // Whether each actor may manage each of the three accounts: 303 done, 403 refused, 404
    // not even visible.
    let table: [(&str, [u16; 3]); 6] = [
        ("xiaying.officer", [403, 403, 303]),
        ("xiaying.principal", [403, 303, 303]),
        ("xiaying.dean", [403, 403, 403]),
        ("tainan.officer", [303, 303, 303]),
        ("tainan.auditor", [403, 403, 403]),
        ("tuku.officer", [404, 404, 404]),
    ];
    for (actor, expected) in table {
        let mut b = app.signed_in(actor).await;
        for ((id, role), want) in roles.iter().zip(expected) {
            b.get("/").await;
            let before = app.audit_count().await;
            let steps: [(String, Vec<(&str, &str)>); 5] = [
                (format!("/users/{id}/role"), vec![("role", *role)]),
                (format!("/users/{id}/disable"), vec![]),
                (format!("/users/{id}/enable"), vec![]),
                (format!("/users/{id}/unlock"), vec![]),
                (format!("/users/{id}/password"), vec![]),
            ];
            for (path, fields) in &steps {
                let r = b.post(path, fields).await;
                assert_eq!(r.status, want, "{actor} {path}: {}", r.body);
            }
            if want != 303 {
                assert_eq!(app.audit_count().await, before, "{actor}: nothing written");
            }
        }
        // The 資通安全長 role: granted only from above.
        let grant_ciso = if actor == "tainan.officer" {
            303
        } else if actor == "tuku.officer" {
            404
        } else {
            403
        };
        let r = b
            .post(&format!("/users/{dean}/role"), &[("role", "ciso")])
            .await;
        assert_eq!(r.status, grant_ciso, "{actor} makes the dean 資通安全長");
        if grant_ciso == 303 {
            let r = b
                .post(&format!("/users/{dean}/role"), &[("role", "staff")])
                .await;
            assert_eq!(r.status, 303);
        } else if grant_ciso == 403 && actor.ends_with("officer") {
            assert!(r.body.contains("職務區隔"), "{}", r.body);
        }
        let form = b.get("/agencies/xiaying-es/users/new").await;
        if form.status == 200 {
            assert_eq!(
                form.body.contains("value=\"ciso\""),
                actor == "tainan.officer",
                "{actor}: 資通安全長 offered only to whom may grant it"
            );
        }
        let r = b
            .post(
                "/agencies/xiaying-es/users",
                &[
                    ("username", &format!("new.ciso.{}", actor.replace('.', "-"))),
                    ("display_name", "新任資通安全長"),
                    ("email", ""),
                    ("role", "ciso"),
                    ("password", "Initial-pass-115"),
                ],
            )
            .await;
        assert_eq!(r.status, grant_ciso, "{actor} creates a 資通安全長");
    }
    // The same through the API: a school's officer cannot create a 資通安全長; the bureau can.
    let token = app.token_of("tuku.officer").await;
    let new_ciso = |name: &str| json!({"username": name, "display_name": "校長", "role": "ciso", "password": "Initial-pass-115"});
    let r = app
        .bearer_post_json(
            &token,
            "/api/v1/agencies/tuku-es/users",
            &new_ciso("tuku.ciso"),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("\"field\":\"role\""), "{}", r.body);
    let r = app
        .bearer_post_json(
            &token,
            "/api/v1/agencies/tuku-es/users",
            &json!({"username": "tuku.staff", "display_name": "教師", "role": "staff", "password": "Initial-pass-115"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let bureau = app.token_of("tainan.officer").await;
    let r = app
        .bearer_post_json(
            &bureau,
            "/api/v1/agencies/tuku-es/users",
            &new_ciso("tuku.ciso"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // Every grant that happened is on record with who did it.
    let changes = app.events("user.role_change").await;
    assert!(
        changes.iter().any(|e| e.actor_label == "tainan.officer"
            && e.after_json.as_deref() == Some("{\"role\":\"ciso\"}")),
        "{changes:?}"
    );
}

/// Item 1: an officer never sets another person's password; a reset is a one-time link mailed
/// to the person, who chooses the password. The link is not shown to whoever asked, works
/// once, and ends the person's sessions.
#[tokio::test]
async fn item1_a_reset_is_a_link_the_person_completes() {
    let app = spawn_app().await;
    let sink = MailSink::start(0);
    let mut dean_session = app.signed_in("xiaying.dean").await;
    let mut officer = app.signed_in("xiaying.officer").await;
    let dean = app.user_id("xiaying.dean").await;
    let page = officer.get(&format!("/users/{dean}")).await;
    assert!(
        !page.body.contains("name=\"password\""),
        "no field to type someone else's password"
    );
    let r = officer
        .post(
            &format!("/users/{dean}/password"),
            &[("password", "Chosen-by-officer-1")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.location().contains("password-reset-sent"));
    // Nothing changed yet: the old password still works, and nobody else's choice was stored.
    assert_eq!(
        app.browser()
            .login("xiaying.dean", "Chosen-by-officer-1")
            .await
            .status,
        401
    );
    // The officer's view of the account and the 資通安全長's outbox never show the link.
    let mut principal = app.signed_in("xiaying.principal").await;
    let outbox = principal.get("/outbox").await;
    assert!(!outbox.body.contains("/reset/"), "{}", outbox.body);
    app.worker(Some(&sink)).await.pass().await.unwrap();
    let mail = sink
        .messages()
        .into_iter()
        .map(|m| decode_mail(&m))
        .find(|(s, _)| s.contains("重設通行碼"))
        .expect("the reset mail");
    let link = mail
        .1
        .split_whitespace()
        .find(|w| w.starts_with("https://anwei.test/reset/"))
        .expect("a link")
        .to_string();
    let path = link.trim_start_matches("https://anwei.test");
    let mut person = app.browser();
    let r = person.get(path).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!r.body.contains("current_password"));
    // The rules of any new password hold.
    let r = person
        .post(
            path,
            &[("new_password", "short"), ("confirm_password", "short")],
        )
        .await;
    assert_eq!(r.status, 422);
    let r = person
        .post(
            path,
            &[
                ("new_password", "Dean-chose-this-9"),
                ("confirm_password", "Dean-chose-this-9"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), "/login?reason=reset");
    // Once only; the dean's open session ended; the new password signs in.
    assert_eq!(person.get(path).await.status, 404);
    assert_eq!(dean_session.get("/").await.status, 303);
    assert_eq!(
        app.browser()
            .login("xiaying.dean", NEW_PASSWORD)
            .await
            .status,
        401
    );
    assert_eq!(
        app.browser()
            .login("xiaying.dean", "Dean-chose-this-9")
            .await
            .status,
        303
    );
    assert_eq!(app.events("auth.password_reset").await.len(), 1);
    assert_eq!(app.events("user.password_reset_requested").await.len(), 1);
    // Never for the 資通安全長.
    let r = officer
        .post(
            &format!("/users/{}/password", app.user_id("xiaying.principal").await),
            &[],
        )
        .await;
    assert_eq!(r.status, 403);
    // An unknown or expired link is one answer.
    assert_eq!(app.browser().get("/reset/not-a-token").await.status, 404);
}

/// Item 2: twenty wrong passwords at once cannot get past the lockout.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn item2_parallel_failures_lock_the_account() {
    let app = spawn_app().await;
    let mut forms = Vec::new();
    for _ in 0..20 {
        let mut b = app.browser();
        b.get("/login").await;
        let cookie = b
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        forms.push((cookie, b.csrf.clone()));
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (cookie, csrf) in forms {
        let client = app.client.clone();
        let url = format!("{}/login", app.base);
        let origin = app.base.clone();
        tasks.spawn(async move {
            client
                .post(url)
                .header("cookie", cookie)
                .header("origin", origin)
                .header("sec-fetch-site", "same-origin")
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("username", "xiaying.officer"),
                    ("password", "Wrong-pass-1"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    while let Some(status) = tasks.join_next().await {
        assert_eq!(status.unwrap(), 401);
    }
    let r = app.browser().login("xiaying.officer", DEMO_PASSWORD).await;
    assert_eq!(r.status, 401, "locked: {}", r.body);
    let row = app
        .store
        .login_candidate("xiaying.officer")
        .await
        .unwrap()
        .unwrap();
    assert!(row.locked_until.is_some());
    assert!(row.failed_count >= 5, "{}", row.failed_count);
    assert_eq!(app.events("auth.account_locked").await.len(), 1);
}

/// Items 4 and 5: the language switch follows only same-site paths, and a header-breaking
/// `next` is no 500.
#[tokio::test]
async fn item4_and_item5_no_open_redirect_and_no_500() {
    let app = spawn_app().await;
    for next in [
        "/%09/evil.example",
        "/%5Cevil.example",
        "//evil.example",
        "/%0d%0aSet-Cookie:%20x=1",
        "https://evil.example",
    ] {
        let r = app
            .client
            .get(format!("{}/lang/en?next={next}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "{next}");
        assert_eq!(r.headers()["location"], "/", "{next}");
        assert!(r.headers().contains_key("x-request-id"));
        assert!(
            r.headers()
                .get_all("set-cookie")
                .iter()
                .all(|c| !c.to_str().unwrap().starts_with("x=")),
            "{next}"
        );
    }
    let r = app
        .client
        .get(format!(
            "{}/lang/en?next=/incidents%3Fyear%3D2026",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/incidents?year=2026");
}

/// Item 6: a register exported as CSV, XLSX or ODS carries no formula.
#[tokio::test]
async fn item6_exported_cells_are_never_formulas() {
    let app = spawn_app().await;
    let token = app.token_of("xiaying.officer").await;
    let r = app
        .bearer(
            Method::POST,
            &token,
            "/api/v1/agencies/xiaying-es/assets",
            Some(&json!({
                "name": "=HYPERLINK(\"http://evil.example\",\"按此\")",
                "kind": "hardware",
                "owner_unit": "+cmd|' /C calc'!A0",
                "location": "@SUM(1+1)",
            })),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mut b = app.signed_in("xiaying.officer").await;
    let (status, _, csv) = b
        .get_bytes("/agencies/xiaying-es/inventory/inventory.csv")
        .await;
    assert_eq!(status, 200);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("\"'=HYPERLINK("), "{csv}");
    assert!(
        csv.contains("'+cmd|") && csv.contains("'@SUM(1+1)"),
        "{csv}"
    );
    for format in ["xlsx", "ods"] {
        let (status, _, bytes) = b
            .get_bytes(&format!(
                "/agencies/xiaying-es/inventory/inventory.{format}"
            ))
            .await;
        assert_eq!(status, 200);
        let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let names = calamine::Reader::sheet_names(&book);
        let range = calamine::Reader::worksheet_range(&mut book, &names[names.len() - 1]).unwrap();
        let cells: Vec<String> = range.cells().map(|(_, _, c)| c.to_string()).collect();
        assert!(
            cells.iter().any(|c| c.starts_with("'=HYPERLINK(")),
            "{format}: {cells:?}"
        );
        assert!(
            !cells
                .iter()
                .any(|c| c.starts_with('=') || c.starts_with('@')),
            "{format}"
        );
        let formulas =
            calamine::Reader::worksheet_formula(&mut book, &names[names.len() - 1]).unwrap();
        assert!(
            formulas.cells().all(|(_, _, f)| f.is_empty()),
            "{format}: a formula"
        );
    }
}

/// Item 8: a locked account and an unknown username get the same answer.
#[tokio::test]
async fn item8_locked_and_unknown_accounts_answer_alike() {
    let app = spawn_app().await;
    for _ in 0..6 {
        app.browser().login("xiaying.dean", "Wrong-pass-1").await;
    }
    let locked = app.browser().login("xiaying.dean", "Wrong-pass-1").await;
    let unknown = app.browser().login("no.such.person", "Wrong-pass-1").await;
    assert_eq!(locked.status, unknown.status);
    let message = |html: &str| {
        html.split("role=\"alert\"")
            .nth(1)
            .and_then(|s| s.split('<').next().map(str::to_string))
            .unwrap_or_default()
    };
    assert_eq!(message(&locked.body), message(&unknown.body));
    assert!(!locked.body.contains("鎖定"), "{}", locked.body);
    // The person is told by mail instead.
    let outbox = app
        .store
        .outbox(&anwei_store::Actor::cli(), 50)
        .await
        .unwrap();
    assert!(
        outbox
            .iter()
            .any(|m| m.to_addr == "dean@xiaying-es.example" && m.subject.contains("鎖定")),
        "{outbox:?}"
    );
}

/// Item 9: an open session and an API token stop at the 90-day expiry; an administrator's token
/// needs an enrolled second factor; a forced password change ends the person's other sessions.
#[tokio::test]
async fn item9_sessions_and_tokens_obey_expiry_and_the_second_factor() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    let token = app.token_of("xiaying.officer").await;
    assert_eq!(app.bearer_get(&token, "/api/v1/me").await.status, 200);
    let officer = app.user_id("xiaying.officer").await;
    let back = if app.db_url.starts_with("postgres") {
        format!(
            "UPDATE app_user SET password_changed_at = password_changed_at - INTERVAL '91 days' WHERE id = '{officer}'"
        )
    } else {
        let at = (anwei_domain::clock::Clock::now(&app.clock) - time::Duration::days(91))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        format!(
            "UPDATE app_user SET password_changed_at = '{at}' WHERE id = X'{}'",
            officer.simple()
        )
    };
    assert_eq!(app.store.testing_execute(&back).await.unwrap(), 1);
    let r = b.get("/incidents").await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.location(),
        "/password",
        "the open session must change first"
    );
    let r = app.bearer_get(&token, "/api/v1/me").await;
    assert_eq!(r.status, 401);
    assert!(
        r.body.contains("逾期") || r.body.contains("expired"),
        "{}",
        r.body
    );
    let r = b.change_password(NEW_PASSWORD, "Fresh-pass-116").await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(app.bearer_get(&token, "/api/v1/me").await.status, 200);

    // An administrator whose second factor was never enrolled: no token from the command line,
    // and a token made anyway does not work.
    let out = app.cli(
        &[
            "create-admin",
            "--username",
            "ops.admin",
            "--password-stdin",
        ],
        Some("Choose-a-strong-1\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = app.cli(&["token", "create", "--username", "ops.admin"], None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("second factor") && err.trim().lines().count() == 1,
        "{err}"
    );
    let admin_token = app.token_of("ops.admin").await;
    let r = app.bearer_get(&admin_token, "/api/v1/agencies").await;
    assert_eq!(r.status, 401, "{}", r.body);

    // A forced password change ends the person's other sessions.
    let mut first = app.browser();
    let mut second = app.browser();
    assert_eq!(
        first.login("xiaying.dean", DEMO_PASSWORD).await.location(),
        "/password"
    );
    assert_eq!(
        second.login("xiaying.dean", DEMO_PASSWORD).await.location(),
        "/password"
    );
    let r = first.change_password(DEMO_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(r.status, 303);
    assert_eq!(first.get("/").await.status, 200);
    let r = second.get("/password").await;
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with("/login"), "{}", r.location());
}

/// Item 10: dates that parse but cannot be true, and a body over the limit.
#[tokio::test]
async fn item10_impossible_dates_and_oversized_bodies_are_refused_plainly() {
    let app = spawn_app().await;
    let token = app.token_of("xiaying.officer").await;
    let before = app.audit_count().await;
    for acquired in [json!("9999-12-31"), json!(60000), json!("2026-03-03")] {
        let r = app
            .bearer(
                Method::POST,
                &token,
                "/api/v1/agencies/xiaying-es/assets",
                Some(&json!({"name": format!("伺服器 {acquired}"), "kind": "hardware", "acquired_on": acquired})),
            )
            .await;
        assert_eq!(r.status, 422, "{acquired}: {}", r.body);
        assert!(
            r.body.contains("\"field\":\"acquired_on\"") && r.body.contains("不可晚於"),
            "{}",
            r.body
        );
    }
    let big = json!({"name": "x".repeat(1024 * 1024), "kind": "hardware"});
    let r = app
        .bearer(
            Method::POST,
            &token,
            "/api/v1/agencies/xiaying-es/assets",
            Some(&big),
        )
        .await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert!(r.body.contains("送出的資料過大"), "{}", r.body);
    assert_eq!(app.audit_count().await, before, "nothing written");
}

/// Item 11: the inventory page is paged and searched in SQL: a register of hundreds shows one
/// page with the way to the next, the counts stay those of the whole register, and a search
/// finds rows beyond the first page.
#[tokio::test]
async fn item11_the_inventory_page_is_paged_and_searched_in_sql() {
    let app = spawn_app().await;
    let actor = anwei_store::Actor::cli();
    let school = app
        .store
        .agency_by_code(&actor, "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    let today = time::macros::date!(2026 - 03 - 02);
    let inputs: Vec<_> = (0..130)
        .map(|i| {
            anwei_domain::asset::RawAsset {
                name: format!("教室電腦{i:03}"),
                kind: "hardware".into(),
                location: if i == 127 {
                    "Lab-B7 電腦教室".into()
                } else {
                    "教室".into()
                },
                ..Default::default()
            }
            .parse(today)
            .unwrap()
        })
        .collect();
    app.store
        .import_asset_inputs(
            &actor,
            school.id,
            inputs,
            ("load.xlsx", "0"),
            anwei_domain::clock::Clock::now(&app.clock),
            &|_| {},
        )
        .await
        .unwrap();
    let mut b = app.signed_in("xiaying.officer").await;
    let r = b.get("/agencies/xiaying-es/assets").await;
    assert_eq!(r.status, 200);
    let rows = r.body.matches("<tr>").count() - 1;
    assert_eq!(rows, 50, "one page of 50 rows, not the whole register");
    let total = r
        .body
        .split("共 ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .unwrap()
        .parse::<usize>()
        .unwrap();
    assert!(total > 130, "the counts are of the whole register: {total}");
    assert!(
        r.body
            .contains(&format!("第 1 / {} 頁，共 {total} 筆", total.div_ceil(50)))
    );
    assert!(r.body.contains("id=\"page-next\"") && !r.body.contains("id=\"page-prev\""));
    let last = b
        .get(&format!(
            "/agencies/xiaying-es/assets?page={}",
            total.div_ceil(50)
        ))
        .await;
    assert_eq!(
        last.body.matches("<tr>").count() - 1,
        total - 50 * (total.div_ceil(50) - 1)
    );
    // A search reaches past the first page, whatever the case of the location as typed.
    let found = b.get("/agencies/xiaying-es/assets?q=lab-b7").await;
    assert_eq!(found.body.matches("<tr>").count() - 1, 1, "{}", found.body);
    assert!(found.body.contains("教室電腦127") && found.body.contains("共 1 筆"));
    // LIKE's wildcards are taken literally.
    let none = b.get("/agencies/xiaying-es/assets?q=%25").await;
    assert!(none.body.contains("共 0 筆"), "{}", none.body);
    // The whole-register facts are kept between views but follow every change at once.
    assert!(!r.body.contains("疑似危害國家資通安全產品"));
    let token = app.token_of("xiaying.officer").await;
    let created = app
        .bearer(
            Method::POST,
            &token,
            "/api/v1/agencies/xiaying-es/assets",
            Some(&json!({"name": "DeepSeek 聊天機器人", "kind": "software"})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let again = b.get("/agencies/xiaying-es/assets").await;
    assert!(
        again.body.contains(&format!("共 {} 項", total + 1)),
        "{}",
        again.body
    );
    assert!(
        again.body.contains("1 項資產疑似危害國家資通安全產品"),
        "{}",
        again.body
    );
    // A page size outside 1–200 is refused, not served.
    assert_eq!(
        b.get("/agencies/xiaying-es/assets?per_page=100000")
            .await
            .status,
        422
    );
}
