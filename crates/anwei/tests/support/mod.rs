//! Shared by the API and browser suites: a fresh database per test (a temporary SQLite file, or a
//! new PostgreSQL database when `TEST_DATABASE_URL` names a server), migrated, with the demo
//! loaded, and the real server on a random port with a clock the test moves.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use anwei_domain::clock::ManualClock;
use anwei_store::Store;
use anwei_web::WebConfig;
use std::collections::HashMap;
use std::sync::Arc;
use time::macros::datetime;

pub const DEMO_PASSWORD: &str = anwei::demo::DEMO_PASSWORD;
/// What tests change demo passwords to.
pub const NEW_PASSWORD: &str = "Changed-pass-1";

/// True under CI: a test that cannot run there is a failure, not a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
}

/// A PostgreSQL server for tests that need one whatever the suite's backend (schema parity).
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
        .or_else(|| std::env::var("TEST_POSTGRES_URL").ok())
}

/// A fresh, empty database; returns its URL and keeps any temporary directory alive.
pub async fn fresh_database(postgres: Option<&str>) -> (String, Option<tempfile::TempDir>) {
    match postgres {
        Some(server) => {
            let admin = Store::connect(server)
                .await
                .expect("connect to the PostgreSQL test server");
            let name = format!("anwei_test_{}", uuid::Uuid::now_v7().simple());
            admin
                .testing_execute(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            admin.close().await;
            (replace_db_name(server, &name), None)
        }
        None => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!("sqlite:{}", dir.path().join("test.db").display());
            (url, Some(dir))
        }
    }
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    match base[scheme_end..].find('/') {
        Some(slash) => format!("{}/{name}{query}", &base[..scheme_end + slash]),
        None => format!("{base}/{name}{query}"),
    }
}

pub fn suite_postgres() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub clock: ManualClock,
    pub db_url: String,
    pub client: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
    _server: tokio::task::JoinHandle<()>,
}

pub async fn spawn_app() -> TestApp {
    let (db_url, dir) = fresh_database(suite_postgres().as_deref()).await;
    let store = anwei::server::open_store(&db_url)
        .await
        .expect("open store");
    let clock = ManualClock::new(datetime!(2026-03-02 01:00 UTC));
    anwei::demo::load(&store, anwei_domain::clock::Clock::now(&clock))
        .await
        .expect("demo");
    let state = anwei::server::state(store.clone(), Arc::new(clock.clone()), WebConfig::default())
        .expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let _ = anwei::server::serve(listener, state, std::future::pending()).await;
    });
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        store,
        clock,
        db_url,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        _dir: dir,
        _server: server,
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A browser-like client: its own cookies and the CSRF token of the last page it saw.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookies: HashMap<String, String>,
    pub csrf: String,
    pub lang: &'static str,
}

impl TestApp {
    pub fn browser(&self) -> Browser<'_> {
        Browser {
            app: self,
            cookies: HashMap::new(),
            csrf: String::new(),
            lang: "zh-TW",
        }
    }

    /// Signs a demo account in and through its forced password change.
    pub async fn signed_in(&self, username: &str) -> Browser<'_> {
        let mut b = self.browser();
        let r = b.login(username, DEMO_PASSWORD).await;
        assert_eq!(r.status, 303, "{username}: {}", r.body);
        assert_eq!(r.location(), "/password");
        let r = b.change_password(DEMO_PASSWORD, NEW_PASSWORD).await;
        assert_eq!(r.location(), "/?notice=password-changed", "{}", r.body);
        b.get("/").await;
        b
    }

    pub async fn bearer_get(&self, token: &str, path: &str) -> Resp {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        into_resp(r).await
    }

    pub async fn bearer_post_json(
        &self,
        token: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> Resp {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {token}"))
            .json(body)
            .send()
            .await
            .unwrap();
        into_resp(r).await
    }

    /// Runs the real `anwei` binary against this test's database.
    pub fn cli(&self, args: &[&str], stdin: Option<&str>) -> std::process::Output {
        use std::io::Write;
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_anwei"));
        cmd.args(args)
            .arg("--database-url")
            .arg(&self.db_url)
            .env("ANWEI_LOG", "warn")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("run anwei");
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        } else {
            drop(child.stdin.take());
        }
        child.wait_with_output().unwrap()
    }

    pub async fn user_id(&self, username: &str) -> uuid::Uuid {
        self.store
            .user_by_username(
                &anwei_store::Actor::cli(),
                &anwei_domain::user::Username::parse(username).unwrap(),
            )
            .await
            .unwrap()
            .expect("user exists")
            .id
    }

    pub async fn events(&self, action_prefix: &str) -> Vec<anwei_store::audit::AuditEntry> {
        let filter = anwei_store::audit::AuditFilter {
            action_prefix: Some(action_prefix.into()),
            ..Default::default()
        };
        self.store
            .audit_events(&anwei_store::Actor::cli(), &filter, 0)
            .await
            .unwrap()
    }

    pub async fn audit_count(&self) -> usize {
        let actor = anwei_store::Actor::cli();
        let mut n = 0;
        let mut page = 0;
        loop {
            let batch = self
                .store
                .audit_events(&actor, &Default::default(), page)
                .await
                .unwrap();
            let len = batch.len().min(anwei_store::audit::PAGE_SIZE as usize);
            n += len;
            if batch.len() as i64 <= anwei_store::audit::PAGE_SIZE {
                return n;
            }
            page += 1;
        }
    }
}

async fn into_resp(r: reqwest::Response) -> Resp {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.text().await.unwrap_or_default();
    Resp {
        status,
        headers,
        body,
    }
}

/// The value of `name="csrf" value="…"` in a page, if any.
pub fn csrf_in(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let end = html[i..].find('"')?;
    Some(html[i..i + end].to_string())
}

impl Browser<'_> {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn absorb(&mut self, r: &Resp) {
        for v in r.headers.get_all("set-cookie") {
            let s = v.to_str().unwrap();
            let (kv, attrs) = s.split_once(';').unwrap_or((s, ""));
            let (k, val) = kv.split_once('=').unwrap();
            if val.is_empty() || attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), val.to_string());
            }
        }
        if let Some(t) = csrf_in(&r.body) {
            self.csrf = t;
        }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        let r = self
            .app
            .client
            .get(format!("{}{path}", self.app.base))
            .header("cookie", self.cookie_header())
            .header("accept-language", self.lang)
            .send()
            .await
            .unwrap();
        let r = into_resp(r).await;
        self.absorb(&r);
        r
    }

    /// A download: status, headers and the raw bytes.
    pub async fn get_bytes(&mut self, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let r = self
            .app
            .client
            .get(format!("{}{path}", self.app.base))
            .header("cookie", self.cookie_header())
            .header("accept-language", self.lang)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        (status, headers, r.bytes().await.unwrap().to_vec())
    }

    /// Posts a form as a same-origin browser would, with the current CSRF token.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf.clone();
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, serde_urlencoded::to_string(&all).unwrap(), &[])
            .await
    }

    /// Posts a body exactly as given, with extra headers.
    pub async fn post_raw(&mut self, path: &str, body: String, headers: &[(&str, &str)]) -> Resp {
        let mut all: Vec<(String, String)> = vec![
            ("cookie".into(), self.cookie_header()),
            ("accept-language".into(), self.lang.into()),
            (
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
            ("sec-fetch-site".into(), "same-origin".into()),
            ("origin".into(), self.app.base.clone()),
        ];
        for (k, v) in headers {
            all.retain(|(name, _)| name != k);
            all.push(((*k).to_string(), (*v).to_string()));
        }
        let mut req = self
            .app
            .client
            .post(format!("{}{path}", self.app.base))
            .body(body);
        for (k, v) in all {
            req = req.header(k, v);
        }
        let r = into_resp(req.send().await.unwrap()).await;
        self.absorb(&r);
        r
    }

    pub async fn login(&mut self, username: &str, password: &str) -> Resp {
        self.get("/login").await;
        self.post("/login", &[("username", username), ("password", password)])
            .await
    }

    pub async fn change_password(&mut self, current: &str, new: &str) -> Resp {
        self.get("/password").await;
        self.post(
            "/password",
            &[
                ("current_password", current),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await
    }

    pub fn has_session(&self) -> bool {
        self.cookies.contains_key("__Host-anwei_session")
    }
}
