//! The language switch: remembers the choice in a cookie and returns to the page.

use crate::i18n::{LANG_COOKIE, Lang};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/lang/{code}", get(switch))
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

/// Only a path on this site: it starts with one `/`, and holds nothing but visible ASCII — no
/// control character (a tab or CR/LF would let `/\t/evil.example` become `//evil.example` in a
/// browser, or split the header), no backslash (which browsers read as `/`), no space — and it
/// parses as a path and query. Anything else goes to `/`.
pub fn safe_next(next: Option<&str>) -> &str {
    let Some(n) = next else { return "/" };
    let visible_ascii = n.bytes().all(|b| (0x21..0x7f).contains(&b) && b != b'\\');
    let one_slash = n.starts_with('/') && !n.starts_with("//");
    let parses = n
        .parse::<axum::http::uri::PathAndQuery>()
        .is_ok_and(|pq| pq.as_str() == n);
    if visible_ascii && one_slash && parses && n.len() <= 2048 {
        n
    } else {
        "/"
    }
}

async fn switch(
    State(app): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<Next>,
) -> Response {
    let lang = Lang::parse(&code).unwrap_or(Lang::ZhTw);
    let mut cookie = format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Strict; Max-Age=31536000",
        lang.code()
    );
    if app.config.secure_cookies {
        cookie.push_str("; Secure");
    }
    let mut resp = Redirect::to(safe_next(q.next.as_deref())).into_response();
    if let Ok(v) = cookie.parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    /// Issue 22 items 4 and 5: no open redirect, no header that cannot be written.
    #[test]
    fn only_same_site_paths_are_followed() {
        for ok in [
            "/",
            "/incidents?year=2026",
            "/agencies/xiaying-es/assets#top",
        ] {
            let want = if ok.contains('#') { "/" } else { ok };
            assert_eq!(safe_next(Some(ok)), want, "{ok}");
        }
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\tevil",
            "/\\evil.example",
            "\\evil.example",
            "/\r\nSet-Cookie: x=1",
            "https://evil.example",
            "evil",
            "/a b",
            "/\u{7f}",
            "/路徑",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
