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
    // the level is the supervisor's to set (issue 21 item 2)
    let mut b = app.signed_in("tainan.officer").await;
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
    assert_eq!(e.actor_label, "tainan.officer");
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
        .get("/audit?actor=tainan.officer&action=agency.&from=115/03/01&to=2026-03-02")
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

/// `anwei audit checkpoint` into a temporary file; returns the file and the line it printed.
fn checkpoint(app: &TestApp, file: &std::path::Path) -> String {
    let out = app.cli(
        &[
            "audit",
            "checkpoint",
            "--checkpoint-file",
            file.to_str().unwrap(),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn verify_with(app: &TestApp, file: &std::path::Path) -> (bool, String, String) {
    let out = app.cli(
        &[
            "audit",
            "verify",
            "--checkpoint-file",
            file.to_str().unwrap(),
        ],
        None,
    );
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Issue 22 item 3: a whole agency's chain deleted with its head no longer verifies once a
/// checkpoint recorded it.
#[tokio::test]
async fn an_erased_chain_is_noticed_against_the_checkpoint() {
    let app = spawn_app().await;
    let _ = app.signed_in("xiaying.officer").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("checkpoints.jsonl");
    let line = checkpoint(&app, &file);
    let cp = anwei_domain::audit::Checkpoint::from_line(&line).unwrap();
    let chain = xiaying_chain(&app).await;
    assert!(cp.heads.iter().any(|h| h.chain == chain), "{line}");
    let (ok, out, err) = verify_with(&app, &file);
    assert!(ok && out.contains("none behind checkpoint 1"), "{out}{err}");
    app.store
        .testing_execute(&format!("DELETE FROM audit_event WHERE chain = '{chain}'"))
        .await
        .unwrap();
    app.store
        .testing_execute(&format!(
            "DELETE FROM audit_chain_head WHERE chain = '{chain}'"
        ))
        .await
        .unwrap();
    let (ok, _, err) = verify_with(&app, &file);
    assert!(!ok, "an erased chain must fail verification");
    assert!(err.contains(&chain) && err.contains("gone"), "{err}");
}

/// Issue 22 item 3: the last events cut and the head rolled back to match.
#[tokio::test]
async fn a_chain_cut_short_is_noticed_against_the_checkpoint() {
    let app = spawn_app().await;
    let _ = app.signed_in("xiaying.officer").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("checkpoints.jsonl");
    checkpoint(&app, &file);
    let chain = xiaying_chain(&app).await;
    let max = format!("(SELECT MAX(seq) FROM audit_event WHERE chain = '{chain}')");
    for sql in [
        format!("DELETE FROM audit_event WHERE chain = '{chain}' AND seq >= {max} - 1"),
        format!(
            "UPDATE audit_chain_head SET seq = {max}, last_hash = (SELECT hash FROM audit_event WHERE chain = '{chain}' AND seq = {max}) WHERE chain = '{chain}'"
        ),
    ] {
        app.store.testing_execute(&sql).await.unwrap();
    }
    // The cut chain links up by itself; the database's own checkpoint catches it, and so does
    // the file.
    let (ok, _, err) = verify_with(&app, &dir.path().join("none.jsonl"));
    assert!(!ok, "{err}");
    assert!(err.contains("rolled back"), "{err}");
    let (ok, _, err) = verify_with(&app, &file);
    assert!(!ok);
    assert!(err.contains(&chain) && err.contains("rolled back"), "{err}");
}

/// Issue 22 item 3: an operator's copy of the checkpoints still catches what was erased when the
/// database's own checkpoints were deleted too.
#[tokio::test]
async fn the_checkpoint_file_catches_deleted_checkpoints() {
    let app = spawn_app().await;
    let _ = app.signed_in("xiaying.officer").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("checkpoints.jsonl");
    checkpoint(&app, &file);
    let _ = app.signed_in("tuku.officer").await;
    checkpoint(&app, &file);
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 2);
    app.store
        .testing_execute("DELETE FROM audit_checkpoint")
        .await
        .unwrap();
    let (ok, _, err) = verify_with(&app, &file);
    assert!(!ok);
    assert!(err.contains("checkpoint 2 of the file"), "{err}");
    // A forged line in the file is named as such.
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("\"seq\":2", "\"seq\":3", 1)).unwrap();
    let (ok, _, err) = verify_with(&app, &file);
    assert!(!ok && err.contains("altered"), "{err}");
}

/// The background work takes a checkpoint every hour, on one instance only.
#[tokio::test]
async fn checkpoints_are_taken_hourly_by_the_background_work() {
    let app = spawn_app().await;
    let w1 = app.worker(None).await;
    let w2 = app.worker(None).await;
    w1.pass().await.unwrap();
    w2.pass().await.unwrap();
    let count = || async {
        app.store
            .testing_execute("UPDATE audit_checkpoint SET seq = seq")
            .await
            .unwrap()
    };
    assert_eq!(count().await, 1, "one checkpoint for two instances");
    app.clock.advance(time::Duration::minutes(61));
    w2.pass().await.unwrap();
    assert_eq!(count().await, 2);
    let (ok, out, err) = run_verify(&app);
    assert!(ok && out.contains("checkpoint 2"), "{out}{err}");
}
