//! Issue 21 item 5: the API and the command line's JSON speak RFC 3339 — instants as
//! `2026-03-02T01:00:00Z`, dates as `2026-03-02` — never serde's arrays of numbers.

use crate::support::*;
use reqwest::Method;
use serde_json::{Value, json};

/// Every place in `v` where a date or time is not RFC 3339, with its path.
fn bad_dates(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Array(items) => {
            let numbers: Vec<i64> = items.iter().filter_map(Value::as_i64).collect();
            // serde's default for time's types: [year, ordinal, …] or [year, month, …]
            if items.len() >= 2
                && numbers.len() == items.len()
                && (1900..=2200).contains(&numbers[0])
            {
                out.push(format!("{path}: an array where a date belongs: {v}"));
            }
            for (i, item) in items.iter().enumerate() {
                bad_dates(item, &format!("{path}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                let here = format!("{path}.{k}");
                if let Value::String(s) = item {
                    let instant_ok = time::OffsetDateTime::parse(
                        s,
                        &time::format_description::well_known::Rfc3339,
                    )
                    .is_ok();
                    let date_ok = time::Date::parse(
                        s,
                        time::macros::format_description!("[year]-[month]-[day]"),
                    )
                    .is_ok();
                    if k.ends_with("_at") && !instant_ok {
                        out.push(format!("{here}: not RFC 3339: {s}"));
                    }
                    if (k.ends_with("_on") || k.ends_with("_date")) && !date_ok {
                        out.push(format!("{here}: not a YYYY-MM-DD date: {s}"));
                    }
                    // bounds of a period or a deadline: an instant or a whole day
                    if matches!(k.as_str(), "due" | "from" | "until" | "starts" | "ends")
                        && !(instant_ok || date_ok)
                    {
                        out.push(format!("{here}: neither RFC 3339 nor YYYY-MM-DD: {s}"));
                    }
                }
                bad_dates(item, &here, out);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn item5_every_api_response_writes_dates_as_rfc3339() {
    let app = spawn_app().await;
    let token = app.token_of("xiaying.officer").await;
    let auditor = app.token_of("tainan.auditor").await;
    // Something of every kind to read back: an asset with its date, an incident.
    let r = app
        .bearer(
            Method::POST,
            &token,
            "/api/v1/agencies/xiaying-es/assets",
            Some(&json!({"name": "防火牆", "kind": "hardware", "acquired_on": "113/05/01"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let asset: Value = serde_json::from_str(&r.body).unwrap();
    let r = app
        .bearer(
            Method::POST,
            &token,
            "/api/v1/agencies/xiaying-es/incidents",
            Some(&json!({
                "title": "郵件帳號遭盜用", "reporter_name": "施昀豆", "aware_at": "2026-03-02T08:30:00+08:00",
                "category": "INT", "subtype": "系統被入侵", "description": "寄出大量垃圾郵件。",
                "c_scope": "core", "c_severity": "minor"
            })),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let incident: Value = serde_json::from_str(&r.body).unwrap();
    let mut reads = vec![
        (token.clone(), "/api/v1/me".to_string()),
        (token.clone(), "/api/v1/agencies".into()),
        (token.clone(), "/api/v1/agencies/xiaying-es".into()),
        (token.clone(), "/api/v1/agencies/xiaying-es/users".into()),
        (token.clone(), "/api/v1/agencies/xiaying-es/assets".into()),
        (
            token.clone(),
            format!(
                "/api/v1/agencies/xiaying-es/assets/{}",
                asset["id"].as_str().unwrap()
            ),
        ),
        (token.clone(), "/api/v1/incidents".into()),
        (auditor.clone(), "/api/v1/audit-events".into()),
    ];
    reads.push((
        token.clone(),
        format!("/api/v1/incidents/{}", incident["id"].as_str().unwrap()),
    ));
    let mut problems = Vec::new();
    for (who, path) in &reads {
        let r = app.bearer_get(who, path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        let v: Value = serde_json::from_str(&r.body).unwrap();
        bad_dates(&v, path, &mut problems);
    }
    assert_eq!(asset["acquired_on"], "2024-05-01");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // and the command line's JSON
    for args in [
        &[
            "obligations",
            "--agency",
            "xiaying-es",
            "--year",
            "2026",
            "--format",
            "json",
        ][..],
        &[
            "training",
            "ledger",
            "--agency",
            "xiaying-es",
            "--year",
            "2026",
            "--format",
            "json",
        ],
        &["plan", "lint", "--agency", "xiaying-es", "--format", "json"],
    ] {
        let out = app.cli(args, None);
        let v: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
        bad_dates(&v, &args.join(" "), &mut problems);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
