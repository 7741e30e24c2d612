//! Every route of an agency goes through its scope. The routes are read from the web crate's
//! source (each `.route("…")` whose path names `{code}`), so a route added tomorrow is walked
//! too: another agency's officer gets 404 from every one of them, by page and by API, for reads
//! and writes, and nothing is written. The agency's own officer is walked as a control, so the
//! walk cannot pass by reaching nothing.

use crate::support::*;
use std::path::Path;

/// Every route of an agency (`/agencies/{code}…`), as written in a router: the pages', and the
/// API's under `/api/v1` (each is walked both ways; a path one side lacks answers 404 there).
fn agency_routes() -> Vec<String> {
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
            let path = &tail[..close];
            if path.starts_with("/agencies/{code}") {
                routes.push(path.to_string());
            }
        }
    }
    routes.sort();
    routes.dedup();
    routes
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
        let api = format!("/api/v1{path}");
        let answers = [
            ("GET", x.get(&path).await),
            ("POST", x.post(&path, &[]).await),
            (
                "API GET",
                app.bearer(reqwest::Method::GET, &token, &api, None).await,
            ),
            (
                "API POST",
                app.bearer(
                    reqwest::Method::POST,
                    &token,
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
            assert!(
                !r.body.contains("土庫"),
                "{method} {route} names the agency"
            );
        }
        assert!(
            answers.iter().any(|(_, r)| r.status == 404),
            "{route}: no method is routed"
        );
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
