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
    /// Where this app keeps evidence files.
    pub files_dir: std::path::PathBuf,
    _dir: Option<tempfile::TempDir>,
    _files: Option<tempfile::TempDir>,
    _server: tokio::task::JoinHandle<()>,
}

pub async fn spawn_app() -> TestApp {
    let (db_url, dir) = fresh_database(suite_postgres().as_deref()).await;
    let store = anwei::server::open_store(&db_url)
        .await
        .expect("open store");
    let clock = ManualClock::new(datetime!(2026-03-02 01:00 UTC));
    let files = tempfile::tempdir().expect("files dir");
    anwei::demo::load(
        &store,
        &anwei_store::files::FileStore::local(files.path()),
        anwei_domain::clock::Clock::now(&clock),
    )
    .await
    .expect("demo");
    let config = WebConfig {
        files_dir: files.path().to_path_buf(),
        // small, so that the over-limit test does not move megabytes
        max_upload_bytes: 1024 * 1024,
        public_url: Some("https://anwei.test".into()),
        ..WebConfig::default()
    };
    let state =
        anwei::server::state(store.clone(), Arc::new(clock.clone()), config).expect("state");
    let (base, server) = serve_on_loopback(state).await;
    TestApp {
        base,
        store,
        clock,
        db_url,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        files_dir: files.path().to_path_buf(),
        _dir: dir,
        _files: Some(files),
        _server: server,
    }
}

/// Serves `state` on a free port of loopback.
async fn serve_on_loopback(state: anwei_web::AppState) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let _ = anwei::server::serve(listener, state, None, std::future::pending()).await;
    });
    (format!("http://127.0.0.1:{port}"), server)
}

impl TestApp {
    /// Another Anwei instance on this app's database and evidence files (its own connection
    /// pool and memory), as a second server behind a load balancer would be.
    pub async fn second_instance(&self) -> TestApp {
        let store = Store::connect(&self.db_url).await.expect("second instance");
        let config = WebConfig {
            files_dir: self.files_dir.clone(),
            max_upload_bytes: 1024 * 1024,
            public_url: Some("https://anwei.test".into()),
            ..WebConfig::default()
        };
        let state = anwei::server::state(store.clone(), Arc::new(self.clock.clone()), config)
            .expect("state");
        let (base, server) = serve_on_loopback(state).await;
        TestApp {
            base,
            store,
            clock: self.clock.clone(),
            db_url: self.db_url.clone(),
            client: self.client.clone(),
            files_dir: self.files_dir.clone(),
            _dir: None,
            _files: None,
            _server: server,
        }
    }

    /// The same person's browser, sending its requests to another instance.
    pub fn browser_on<'b>(&self, other: &'b TestApp, b: &Browser<'_>) -> Browser<'b> {
        Browser {
            app: other,
            cookies: b.cookies.clone(),
            csrf: b.csrf.clone(),
            lang: b.lang,
        }
    }

    /// A background worker of another Anwei instance on this app's database (its own
    /// connection pool), sending to `sink` when given.
    pub async fn worker(&self, sink: Option<&MailSink>) -> anwei::jobs::Worker {
        let store = Store::connect(&self.db_url).await.expect("second instance");
        let mail = anwei::jobs::MailConfig {
            smtp_url: sink.map(|s| format!("smtp://127.0.0.1:{}", s.port)),
            from: "安維 Anwei <anwei@anwei.test>".into(),
        };
        anwei::jobs::Worker::new(
            store,
            Arc::new(anwei_domain::catalog::Catalog::load().unwrap()),
            Arc::new(self.clock.clone()),
            &mail,
            "https://anwei.test".into(),
        )
        .expect("worker")
    }
}

/// A real SMTP server on loopback (scripts/mailsink.py, aiosmtpd from PyPI) that stores every
/// message it accepts as a file.
pub struct MailSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: std::process::Child,
}

impl MailSink {
    pub fn start(refuse_first: u32) -> MailSink {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/mailsink.py");
        let mut child = std::process::Command::new("python3")
            .arg(script)
            .arg(dir.path())
            .arg("--refuse-first")
            .arg(refuse_first.to_string())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 scripts/mailsink.py (needs: pip install aiosmtpd; scripts/ensure-deps does it)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| {
            panic!("the mail sink did not start (is aiosmtpd installed? scripts/ensure-deps installs it): {line:?}")
        });
        MailSink { port, dir, child }
    }

    /// Every message received so far, as raw text, in order of arrival.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
            .collect()
    }
}

impl Drop for MailSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Decodes a MIME header or a body part as mail clients show it: RFC 2047 encoded words
/// (`=?utf-8?b?…?=`) and base64 or quoted-printable bodies are what lettre writes for Chinese.
pub fn decode_mail(raw: &str) -> (String, String) {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let head = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    let subject_raw = head
        .lines()
        .find_map(|l| l.strip_prefix("Subject: "))
        .unwrap_or("")
        .to_string();
    // RFC 2047 §6.2: whitespace between two encoded words is dropped, elsewhere it is kept
    let mut subject = String::new();
    let mut prev_encoded = None;
    for token in subject_raw.split_whitespace() {
        let encoded = token.starts_with("=?") && token.ends_with("?=");
        if prev_encoded.is_some() && !(encoded && prev_encoded == Some(true)) {
            subject.push(' ');
        }
        subject.push_str(&decode_word(token));
        prev_encoded = Some(encoded);
    }
    let base64_body = head
        .to_ascii_lowercase()
        .contains("content-transfer-encoding: base64");
    let text = if base64_body {
        let joined: String = body.split_whitespace().collect();
        String::from_utf8_lossy(&b64(&joined)).into_owned()
    } else if head.to_ascii_lowercase().contains("quoted-printable") {
        String::from_utf8_lossy(&quoted_printable(body)).into_owned()
    } else {
        body.to_string()
    };
    (subject, text)
}

fn decode_word(w: &str) -> String {
    let Some(inner) = w.strip_prefix("=?").and_then(|x| x.strip_suffix("?=")) else {
        return w.to_string();
    };
    let mut parts = inner.splitn(3, '?');
    let (_charset, enc, text) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let bytes = if enc.eq_ignore_ascii_case("b") {
        b64(text)
    } else {
        quoted_printable(&text.replace('_', " "))
    };
    String::from_utf8_lossy(&bytes).into_owned()
}

fn b64(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let Some(v) = A.iter().position(|x| *x == c) else {
            continue;
        };
        buf = (buf << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    out
}

fn quoted_printable(s: &str) -> Vec<u8> {
    let s = s.replace("=\r\n", "").replace("=\n", "");
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
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

    /// The id of an agency's asset by its name.
    pub async fn asset_id(&self, agency: &str, name: &str) -> String {
        let actor = anwei_store::Actor::cli();
        let a = self
            .store
            .agency_by_code(&actor, agency)
            .await
            .unwrap()
            .unwrap();
        self.store
            .assets(&a)
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.name == name)
            .unwrap_or_else(|| panic!("no asset {name} in {agency}"))
            .id
            .to_string()
    }

    /// Creates an administrator from the command line and signs it in through its second
    /// factor's enrolment.
    pub async fn admin(&self) -> Browser<'_> {
        let out = self.cli(
            &[
                "create-admin",
                "--username",
                "ops.admin",
                "--password-stdin",
            ],
            Some("Admin-pass-2026\n"),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut b = self.browser();
        b.login("ops.admin", "Admin-pass-2026").await;
        let page = b.get("/login/totp/enrol").await;
        let start = page.body.find("id=\"totp-secret\">").unwrap() + "id=\"totp-secret\">".len();
        let secret_b32 = &page.body[start..start + page.body[start..].find('<').unwrap()];
        let secret = anwei_domain::totp::TotpSecret::from_base32(secret_b32).unwrap();
        let now = anwei_domain::clock::Clock::now(&self.clock);
        let r = b
            .post("/login/totp/enrol", &[("code", &secret.code_at(now))])
            .await;
        assert_eq!(r.location(), "/", "{}", r.body);
        b.get("/").await;
        b
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

    /// A personal API token of the account, made as `anwei token create` makes it.
    pub async fn token_of(&self, username: &str) -> String {
        let user = self
            .store
            .user_by_username(
                &anwei_store::Actor::cli(),
                &anwei_domain::user::Username::parse(username).unwrap(),
            )
            .await
            .unwrap()
            .unwrap();
        let (token, digest, prefix) = anwei_domain::secret::new_api_token();
        self.store
            .create_token(
                &anwei_store::Actor::cli(),
                anwei_store::tokens::NewToken {
                    user_id: user.id,
                    agency_id: user.agency_id,
                    name: "test",
                    digest: &digest,
                    prefix: &prefix,
                },
                time::OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
        token
    }

    /// Any method with a bearer token and an optional JSON body.
    pub async fn bearer(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Resp {
        let mut r = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {token}"));
        if let Some(b) = body {
            r = r.json(b);
        }
        into_resp(r.send().await.unwrap()).await
    }

    /// Runs the real `anwei` binary against this test's database.
    pub fn cli(&self, args: &[&str], stdin: Option<&str>) -> std::process::Output {
        use std::io::Write;
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_anwei"));
        cmd.args(args)
            .arg("--database-url")
            .arg(&self.db_url)
            .env("ANWEI_LOG", "warn")
            // messages in English whatever the machine's locale
            .env("LANG", "C.UTF-8")
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

    /// Posts a multipart form (a file upload) as a browser would, the CSRF token first.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> Resp {
        let boundary = "----anwei-test-boundary-7MA4YWxkTrZu0gW";
        let mut body: Vec<u8> = Vec::new();
        let csrf = self.csrf.clone();
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        for (k, v) in all {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((name, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let r = self
            .app
            .client
            .post(format!("{}{path}", self.app.base))
            .header("cookie", self.cookie_header())
            .header("accept-language", self.lang)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("sec-fetch-site", "same-origin")
            .header("origin", self.app.base.clone())
            .body(body)
            .send()
            .await
            .unwrap();
        let r = into_resp(r).await;
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

/// Every file below a directory, sorted (what the file store holds).
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}
