//! Every route of an agency goes through its scope. The routes are read from the web crate's
//! source (each `.route("…")`), so a route added tomorrow is walked too: another agency's
//! officer gets 404 from every one of them, by page and by API, for reads and writes, and nothing
//! is written. The agency's own officer is walked as a control, so the walk cannot pass by
//! reaching nothing. A route that is neither an agency's nor one of its records must be named
//! below as the whole installation's, with the reason.

use crate::support::*;
use std::path::Path;

/// Every route as written in a router: the pages', and the API's under `/api/v1` (each is
/// walked both ways; a path one side lacks answers 404 there).
fn all_routes() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../anwei-web/src");
    let mut files = Vec::new();
    collect(&src, &mut files);
    let mut routes = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let mut rest = text.as_str();
        while let Some(i) = rest.find(".route(") {
            rest = &rest[i + ".route(".len()..];
            let Some(open) = rest.find('"') else { break };
            let tail = &rest[open + 1..];
            let close = tail.find('"').unwrap();
            routes.push(tail[..close].to_string());
        }
    }
    routes.sort();
    routes.dedup();
    routes
}

/// An agency's own routes (`/agencies/{code}…`).
fn agency_routes() -> Vec<String> {
    all_routes()
        .into_iter()
        .filter(|r| r.starts_with("/agencies/{code}"))
        .collect()
}

/// The routes of an agency's records addressed by their own id (`/tasks/{id}…`).
fn record_routes() -> Vec<String> {
    all_routes()
        .into_iter()
        .filter(|r| {
            anwei_web::scope::RECORD_PREFIXES
                .iter()
                .any(|p| r.starts_with(&format!("/{p}/{{id}}")))
        })
        .collect()
}

/// The routes that belong to no one agency, each with why.
const INSTALLATION_ROUTES: &[(&str, &str)] = &[
    ("/", "the dashboard, built from the actor's reach"),
    ("/agencies", "the tree within the actor's reach"),
    ("/agencies/new", "a new agency under one the actor may edit"),
    ("/audit", "the audit log, filtered to the actor's reach"),
    (
        "/audit-events",
        "the API's audit log, filtered the same way",
    ),
    ("/calendar", "the actor's own calendar feed"),
    ("/calendar/revoke", "the actor's own calendar feed"),
    ("/calendar/{file}", "a feed addressed by its secret token"),
    ("/healthz", "the load balancer's probe"),
    ("/incidents", "the incidents within the actor's reach"),
    ("/lang/{code}", "the reader's language"),
    ("/login", "sign-in"),
    ("/login/totp", "sign-in"),
    ("/login/totp/enrol", "sign-in"),
    ("/logout", "sign-out"),
    ("/me", "the actor's own account"),
    ("/outbox", "the installation's mail queue (administrators)"),
    (
        "/outbox/{id}/retry",
        "the installation's mail queue (administrators)",
    ),
    ("/password", "the actor's own password"),
    (
        "/reset/{token}",
        "a reset link addressed by its secret token",
    ),
    (
        "/restricted-products",
        "the national list of restricted products (administrators)",
    ),
    (
        "/restricted-products/import",
        "the national list of restricted products (administrators)",
    ),
    (
        "/restricted-products/{key}/remove",
        "the national list of restricted products (administrators)",
    ),
    ("/static/{file}", "style sheets and scripts"),
    ("/tokens", "the actor's own API tokens"),
    ("/tokens/{id}/revoke", "the actor's own API tokens"),
];

#[test]
fn every_route_is_an_agency_s_a_record_s_or_named_as_the_installation_s() {
    let agency = agency_routes();
    let records = record_routes();
    let unplaced: Vec<String> = all_routes()
        .into_iter()
        .filter(|r| !agency.contains(r) && !records.contains(r))
        .filter(|r| INSTALLATION_ROUTES.iter().all(|(p, _)| p != r))
        .collect();
    assert!(
        unplaced.is_empty(),
        "routes of no agency and not named as the installation's: {unplaced:?}"
    );
    for p in anwei_web::scope::RECORD_PREFIXES {
        assert!(
            records.iter().any(|r| r.starts_with(&format!("/{p}/"))),
            "no route of /{p}/{{id}} found"
        );
    }
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The route with its parameters filled: the agency's code, and values of the right shape for
/// the rest (the scope is checked before any of them is looked at).
fn fill(route: &str, code: &str) -> String {
    let mut out = String::new();
    let mut rest = route;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let j = rest[i..].find('}').unwrap() + i;
        out.push_str(match &rest[i + 1..j] {
            "code" => code,
            "year" => "2026",
            "file" => "register.xlsx",
            _ => "0190a000-0000-7000-8000-000000000000",
        });
        rest = &rest[j + 1..];
    }
    out.push_str(rest);
    out
}

/// Another agency's officer asks `path` by page and API, GET and POST: every answer is 404 or
/// 405 (at least one 404: the route is served) and names none of `hidden`.
async fn refused_to_an_outsider(
    app: &TestApp,
    b: &mut Browser<'_>,
    token: &str,
    route: &str,
    path: &str,
    hidden: &[&str],
) {
    let api = format!("/api/v1{path}");
    let answers = [
        ("GET", b.get(path).await),
        ("POST", b.post(path, &[]).await),
        (
            "API GET",
            app.bearer(reqwest::Method::GET, token, &api, None).await,
        ),
        (
            "API POST",
            app.bearer(
                reqwest::Method::POST,
                token,
                &api,
                Some(&serde_json::json!({})),
            )
            .await,
        ),
    ];
    for (method, r) in &answers {
        assert!(
            r.status == 404 || r.status == 405,
            "{method} {route} answered {} to another agency",
            r.status
        );
        for name in hidden {
            assert!(!r.body.contains(name), "{method} {route} names {name}");
        }
    }
    assert!(
        answers.iter().any(|(_, r)| r.status == 404),
        "{route}: no method is routed"
    );
}

#[tokio::test]
async fn every_agency_route_answers_404_to_another_agency_and_changes_nothing() {
    let app = spawn_app().await;
    let routes = agency_routes();
    assert!(routes.len() > 60, "found only {} routes", routes.len());
    let mut x = app.signed_in("xiaying.officer").await;
    let token = app.token_of("xiaying.officer").await;
    let before = app.audit_count().await;
    for route in &routes {
        let path = fill(route, "tuku-es");
        refused_to_an_outsider(&app, &mut x, &token, route, &path, &["土庫"]).await;
    }
    assert_eq!(app.audit_count().await, before, "nothing written");

    // Control: the agency's own officer reaches its pages through the same walk.
    let mut own = app.signed_in("tuku.officer").await;
    let mut reached = 0;
    for route in &routes {
        if own.get(&fill(route, "tuku-es")).await.status == 200 {
            reached += 1;
        }
    }
    assert!(reached >= 12, "the owner reached only {reached} pages");
}

/// The records of 下營國小 each collection addresses by id: a duty, an incident, an account and a
/// piece of evidence, made through the pages as its officer would.
async fn xiaying_records(app: &TestApp, b: &mut Browser<'_>) -> Vec<(&'static str, String)> {
    let cli = anwei_store::Actor::cli();
    let xiaying = app
        .store
        .agency_by_code(&cli, "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    let task = app
        .store
        .tasks(&cli, Some(xiaying.id), 2026)
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("the demo school has duties");
    b.get(&format!("/tasks/{}", task.id)).await;
    let r = b
        .post_multipart(
            &format!("/tasks/{}/evidence", task.id),
            &[
                ("title", "資安宣導簽到表"),
                ("url", "https://drive.example.tw/sign-in-sheet"),
                ("effective_on", "115/03/01"),
                ("expires_on", ""),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let evidence = app.store.agency_evidence(&xiaying).await.unwrap()[0].id;
    b.get("/agencies/xiaying-es/incidents/new").await;
    let r = b
        .post(
            "/agencies/xiaying-es/incidents",
            &[
                ("title", "校網首頁遭置換"),
                ("aware_at", "2026-03-02T08:30"),
                ("occurred_at", "2026-03-02T08:00"),
                ("reporter_name", "施昀豆"),
                ("reporter_phone", "06-6892404"),
                ("reporter_email", ""),
                ("classification", "INT/散播惡意程式"),
                ("description", "首頁被換成他人圖片。"),
                ("device_ip", "163.26.1.21"),
                ("device_os", "Debian 12"),
                ("c_scope", "none"),
                ("i_scope", "non_core"),
                ("i_severity", "minor"),
                ("a_scope", "none"),
                ("a_outcome", "within_tolerance"),
                ("level", ""),
                ("level_reason", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let incident = r
        .location()
        .trim_start_matches("/incidents/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    vec![
        ("tasks", task.id.to_string()),
        ("incidents", incident),
        ("users", app.user_id("xiaying.dean").await.to_string()),
        ("evidence", evidence.to_string()),
    ]
}

/// A record's route with its id and values of the right shape for the rest.
fn fill_record(route: &str, records: &[(&str, String)]) -> String {
    let collection = route.trim_start_matches('/').split('/').next().unwrap();
    let id = &records.iter().find(|(c, _)| *c == collection).unwrap().1;
    route
        .replace("{id}", id)
        .replace("{step}", "note")
        .replace("{file}", "notification.odt")
        .replace("{action}", "disable")
}

#[tokio::test]
async fn every_record_route_answers_404_to_another_agency_and_changes_nothing() {
    let app = spawn_app().await;
    let mut own = app.signed_in("xiaying.officer").await;
    let records = xiaying_records(&app, &mut own).await;
    let routes = record_routes();
    assert!(routes.len() >= 12, "found only {} routes", routes.len());
    let mut intruder = app.signed_in("tuku.officer").await;
    let token = app.token_of("tuku.officer").await;
    let before = app.audit_count().await;
    for route in &routes {
        let path = fill_record(route, &records);
        refused_to_an_outsider(&app, &mut intruder, &token, route, &path, &["下營", "校網"]).await;
    }
    assert_eq!(app.audit_count().await, before, "nothing written");

    // Control: the owner's officer reaches every record through the same paths.
    for (collection, id) in &records {
        let status = own.get(&format!("/{collection}/{id}")).await.status;
        assert!(
            status == 200 || status == 303,
            "the owner got {status} for /{collection}/{id}"
        );
    }
}
