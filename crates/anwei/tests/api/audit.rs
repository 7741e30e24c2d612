//! The audit chain: every change leaves an event; `anwei audit verify` passes an intact log and
//! names the first edited or deleted event.

use crate::support::*;

async fn xiaying_chain(app: &TestApp) -> String {
    let a = app
        .store
        .agency_by_code(&anwei_store::Actor::cli(), "xiaying-es")
        .await
        .unwrap()
        .unwrap();
    anwei_domain::audit::chain_of(Some(a.id))
}

fn run_verify(app: &TestApp) -> (bool, String, String) {
    let out = app.cli(&["audit", "verify"], None);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[tokio::test]
async fn an_intact_log_verifies() {
    let app = spawn_app().await;
    let _ = app.signed_in("xiaying.officer").await;
    let (ok, out, err) = run_verify(&app);
    assert!(ok, "{err}");
    assert!(out.contains("audit log intact"), "{out}");
}

#[tokio::test]
async fn an_edited_event_is_named() {
    let app = spawn_app().await;
    let _ = app.signed_in("xiaying.officer").await;
    let chain = xiaying_chain(&app).await;
    let id = app
        .store
        .testing_event_id(&chain, 3)
        .await
        .unwrap()
        .unwrap();
    let n = app
        .store
        .testing_execute(&format!("UPDATE audit_event SET after_json = '{{\"role\":\"ciso\"}}' WHERE chain = '{chain}' AND seq = 3"))
        .await
        .unwrap();
    assert_eq!(n, 1);
    let (ok, _, err) = run_verify(&app);
    assert!(!ok, "tampering must fail verification");
    assert!(
        err.contains(&id.to_string()) && err.contains("altered"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
}

#[tokio::test]
async fn a_deleted_event_is_named() {
    let app = spawn_app().await;
    let _ = app.signed_in("xiaying.officer").await;
    let chain = xiaying_chain(&app).await;
    let next = app
        .store
        .testing_event_id(&chain, 3)
        .await
        .unwrap()
        .unwrap();
    app.store
        .testing_execute(&format!(
            "DELETE FROM audit_event WHERE chain = '{chain}' AND seq = 2"
        ))
        .await
        .unwrap();
    let (ok, _, err) = run_verify(&app);
    assert!(!ok);
    assert!(
        err.contains(&next.to_string()) && err.contains("deleted"),
        "{err}"
    );
}

#[tokio::test]
async fn a_deleted_last_event_is_noticed() {
    let app = spawn_app().await;
    let _ = app.signed_in("xiaying.officer").await;
    let chain = xiaying_chain(&app).await;
    let last = app.store.testing_execute(&format!(
        "DELETE FROM audit_event WHERE chain = '{chain}' AND seq = (SELECT MAX(seq) FROM audit_event WHERE chain = '{chain}')"
    )).await.unwrap();
    assert_eq!(last, 1);
    let (ok, _, err) = run_verify(&app);
    assert!(!ok);
    assert!(err.contains("chain head"), "{err}");
}

#[tokio::test]
async fn changes_record_actor_before_after_and_address() {
    let app = spawn_app().await;
    let mut b = app.signed_in("xiaying.officer").await;
    b.get("/agencies/xiaying-es/edit").await;
    let r = b
        .post(
            "/agencies/xiaying-es/edit",
            &[
                ("name", "臺南市下營區下營國民小學"),
                ("kind", "school"),
                ("level", "D"),
                ("level_approved_on", "115/01/07"),
                ("level_basis", "府教資字第1150000001號"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let e = &app.events("agency.update").await[0];
    assert_eq!(e.actor_label, "xiaying.officer");
    assert_eq!(e.client_addr.as_deref(), Some("127.0.0.1"));
    assert!(
        e.before_json
            .as_deref()
            .unwrap()
            .contains("\"level_approved_on\":\"2024-08-01\"")
    );
    assert!(e.after_json.as_deref().unwrap().contains("2026-01-07"));
    // The page shows it, filtered by person and action, to the CISO.
    let mut ciso = app.signed_in("xiaying.principal").await;
    let r = ciso
        .get("/audit?actor=xiaying.officer&action=agency.&from=115/03/01&to=2026-03-02")
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("更新機關資料") && r.body.contains("府教資字第1150000001號"),
        "{}",
        r.body
    );
    let r = ciso
        .get("/audit?actor=xiaying.principal&action=agency.")
        .await;
    assert!(!r.body.contains("更新機關資料"), "filtered out");
    let r = ciso.get("/audit?from=not-a-date").await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"from-error\""));
    // Staff may not read the log.
    let mut staff = app.signed_in("xiaying.dean").await;
    assert_eq!(staff.get("/audit").await.status, 403);
}
