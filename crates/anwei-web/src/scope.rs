//! The one way a handler gets an agency. Every route under `/agencies/{code}` (and its API
//! twin) takes a [`Scoped`] argument: it resolves the agency from the path, answers 404 when the
//! actor's reach does not include it (as if it did not exist), and 403 when the actor sees it but
//! lacks the permission the handler names in its type. A handler cannot forget the check, because
//! there is no other way to come by the agency's row; and a route that produced a page without
//! it is caught by [`require_scope`] and by the test that walks every route.

use crate::auth::{ApiUser, CurrentUser};
use crate::error::AppError;
use crate::state::AppState;
use anwei_domain::agency::AgencyCode;
use anwei_domain::rbac::Permission;
use anwei_store::agencies::AgencyScope;
use axum::extract::{FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A permission named in a handler's signature.
pub trait Needs {
    const PERMISSION: Permission;
}

macro_rules! needs {
    ($($name:ident),* $(,)?) => {
        /// One marker type per permission, for [`Scoped`]'s type parameter.
        pub mod need {
            $(
                pub struct $name;
                impl super::Needs for $name {
                    const PERMISSION: anwei_domain::rbac::Permission =
                        anwei_domain::rbac::Permission::$name;
                }
            )*
        }
    };
}

needs!(
    AgencyRead,
    AgencyEdit,
    AgencyLevel,
    UserRead,
    UserManage,
    IncidentRead,
    IncidentReport,
    IncidentManage,
    ObligationRead,
    ObligationWork,
    ObligationApprove,
    ObligationManage,
);

/// Who is asking: a signed-in person (the pages) or a script with a token (the API).
pub trait Principal: FromRequestParts<AppState, Rejection = AppError> {
    fn into_user(self) -> CurrentUser;
}

impl Principal for CurrentUser {
    fn into_user(self) -> CurrentUser {
        self
    }
}

impl Principal for ApiUser {
    fn into_user(self) -> CurrentUser {
        self.0
    }
}

/// The agency of the path's `{code}`, checked for the actor's reach and the permission `N`.
pub struct Scoped<N, P = CurrentUser> {
    pub agency: AgencyScope,
    pub user: CurrentUser,
    needs: PhantomData<fn() -> (N, P)>,
}

impl<N, P> Scoped<N, P> {
    pub fn into_parts(self) -> (AgencyScope, CurrentUser) {
        (self.agency, self.user)
    }
}

/// Set on the request when a [`Scoped`] check ran, whatever its outcome.
#[derive(Clone, Default)]
struct ScopeChecked(Arc<AtomicBool>);

impl<N: Needs, P: Principal> FromRequestParts<AppState> for Scoped<N, P> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, AppError> {
        if let Some(checked) = parts.extensions.get::<ScopeChecked>() {
            checked.0.store(true, Ordering::Relaxed);
        }
        let user = P::from_request_parts(parts, app).await?.into_user();
        let params = RawPathParams::from_request_parts(parts, app)
            .await
            .map_err(|_| AppError::NotFound)?;
        let code = params
            .iter()
            .find(|(k, _)| *k == "code")
            .map(|(_, v)| v)
            .ok_or(AppError::NotFound)?;
        let agency = visible_agency(app, &user, code).await?;
        user.require(app, N::PERMISSION, &agency.agency_path())?;
        Ok(Self {
            agency,
            user,
            needs: PhantomData,
        })
    }
}

/// The agency of `code` if it is within the actor's reach; a code that does not parse names no
/// agency. For pages that list or pick agencies (not for a route's own agency: that is
/// [`Scoped`]).
pub async fn visible_agency(
    app: &AppState,
    user: &CurrentUser,
    code: &str,
) -> Result<AgencyScope, AppError> {
    let code = AgencyCode::parse(code).map_err(|_| AppError::NotFound)?;
    app.store
        .agency_by_code(&user.actor, code.as_str())
        .await?
        .ok_or(AppError::NotFound)
}

/// Whether a path is an agency's own: `/agencies/{code}/…` and `/api/v1/agencies/{code}/…`,
/// but not the tree's own pages (`/agencies/new`).
pub fn is_agency_path(path: &str) -> bool {
    let rest = path
        .strip_prefix("/api/v1/agencies/")
        .or_else(|| path.strip_prefix("/agencies/"));
    match rest {
        Some(rest) => {
            let code = rest.split('/').next().unwrap_or("");
            !code.is_empty() && code != "new"
        }
        None => false,
    }
}

/// A response an agency's route gave without checking its scope is withheld (500, logged): a
/// missing check fails closed rather than showing one agency's records to another.
pub async fn require_scope(mut req: Request, next: Next) -> Response {
    if !is_agency_path(req.uri().path()) {
        return next.run(req).await;
    }
    let checked = ScopeChecked::default();
    req.extensions_mut().insert(checked.clone());
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    let answered = resp.status().is_success() || resp.status().is_redirection();
    if answered && !checked.0.load(Ordering::Relaxed) {
        tracing::error!(%path, "an agency route answered without checking its scope");
        return axum::response::IntoResponse::into_response(AppError::Internal(
            "agency route without scope check".into(),
        ));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::is_agency_path;

    #[test]
    fn agency_paths() {
        assert!(is_agency_path("/agencies/xiaying-es"));
        assert!(is_agency_path("/agencies/xiaying-es/assets/1"));
        assert!(is_agency_path("/api/v1/agencies/x/incidents"));
        assert!(!is_agency_path("/agencies"));
        assert!(!is_agency_path("/agencies/"));
        assert!(!is_agency_path("/agencies/new"));
        assert!(!is_agency_path("/incidents/1"));
    }
}
