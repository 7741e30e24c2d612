//! Both dialects' migrations give the same schema, and a database whose migrations are failed,
//! foreign or unknown is never served.

use crate::support::*;

#[tokio::test]
async fn sqlite_and_postgres_schemas_have_the_same_tables_and_columns() {
    // Without PostgreSQL this fails rather than pass having compared nothing.
    let pg = postgres_url().expect(
        "schema parity needs PostgreSQL: set TEST_POSTGRES_URL or TEST_DATABASE_URL (scripts/test does)",
    );
    let (sqlite_url, _dir) = fresh_database(None).await;
    let (pg_url, _) = fresh_database(Some(&pg)).await;
    let sqlite = anwei::server::open_store(&sqlite_url).await.unwrap();
    let postgres = anwei::server::open_store(&pg_url).await.unwrap();
    let a = sqlite.testing_columns().await.unwrap();
    let b = postgres.testing_columns().await.unwrap();
    assert!(a.len() > 40, "{a:?}");
    assert_eq!(a, b, "the two dialects' schemas differ");
    let (s, p) = anwei_store::migrate::known_versions();
    assert_eq!(s, p, "migration folders out of step");
}

async fn migrated_store() -> (anwei_store::Store, String, Option<tempfile::TempDir>) {
    let (url, dir) = fresh_database(suite_postgres().as_deref()).await;
    let store = anwei::server::open_store(&url).await.unwrap();
    (store, url, dir)
}

#[tokio::test]
async fn a_failed_migration_is_never_served() {
    let (store, url, _dir) = migrated_store().await;
    store
        .testing_execute("UPDATE _sqlx_migrations SET success = FALSE WHERE version = 1")
        .await
        .unwrap();
    let err = anwei::server::open_store(&url)
        .await
        .expect_err("refused")
        .to_string();
    assert!(
        err.contains("migration 1 failed") && err.contains("will not be served"),
        "{err}"
    );
    // The server itself refuses to start, with one line saying why.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_anwei"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", &url])
        .env("ANWEI_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("will not be served"), "{stderr}");
}

#[tokio::test]
async fn a_database_from_a_newer_anwei_is_refused() {
    let (store, url, _dir) = migrated_store().await;
    store
        .testing_execute("UPDATE _sqlx_migrations SET version = 9999 WHERE version = 1")
        .await
        .unwrap();
    let err = anwei::server::open_store(&url)
        .await
        .expect_err("refused")
        .to_string();
    assert!(err.contains("9999") && err.contains("newer"), "{err}");
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode() {
    let (url, _dir) = fresh_database(None).await;
    let store = anwei::server::open_store(&url).await.unwrap();
    store
        .testing_execute("CREATE TABLE wal_probe (x INTEGER)")
        .await
        .unwrap();
    let path = url.trim_start_matches("sqlite:");
    assert!(
        std::path::Path::new(&format!("{path}-wal")).exists(),
        "WAL file present"
    );
}
