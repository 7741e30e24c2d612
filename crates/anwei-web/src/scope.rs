//! The one way a handler gets an agency. Every route under `/agencies/{code}` (and its API
//! twin) takes a [`Scoped`] argument: it resolves the agency from the path, answers 404 when the
//! actor's reach does not include it (as if it did not exist), and 403 when the actor sees it but
//! lacks the permission the handler names in its type. A handler cannot forget the check, because
//! there is no other way to come by the agency's row; and a route that produced a page without
//! it is caught by [`require_scope`] and by the test that walks every route.
//!
//! A record addressed by its own id (`/tasks/{id}`, `/incidents/{id}`, `/users/{id}`,
//! `/evidence/{id}`) belongs to an agency too: [`Owned`] finds it within the actor's reach and
//! checks the permission on its agency, the same way.

use crate::auth::{ApiUser, CurrentUser};
use crate::error::AppError;
use crate::state::AppState;
use anwei_domain::agency::AgencyCode;
use anwei_domain::rbac::Permission;
use anwei_store::agencies::AgencyScope;
use anwei_store::evidence::EvidenceRow;
use anwei_store::incidents::IncidentRow;
use anwei_store::obligations::TaskRow;
use anwei_store::users::UserRow;
use anwei_store::{Actor, Store};
use axum::extract::{FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use std::future::Future;
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
    IncidentReview,
    ObligationRead,
    ObligationWork,
    ObligationApprove,
    ObligationManage,
    ChecklistAnswer,
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

/// Set on the request when a [`Scoped`] or [`Owned`] check ran, whatever its outcome.
#[derive(Clone, Default)]
struct ScopeChecked(Arc<AtomicBool>);

fn mark_checked(parts: &Parts) {
    if let Some(checked) = parts.extensions.get::<ScopeChecked>() {
        checked.0.store(true, Ordering::Relaxed);
    }
}

/// A path parameter by name.
async fn path_param(parts: &mut Parts, app: &AppState, name: &str) -> Result<String, AppError> {
    let params = RawPathParams::from_request_parts(parts, app)
        .await
        .map_err(|_| AppError::NotFound)?;
    params
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .ok_or(AppError::NotFound)
}

impl<N: Needs, P: Principal> FromRequestParts<AppState> for Scoped<N, P> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, AppError> {
        mark_checked(parts);
        let user = P::from_request_parts(parts, app).await?.into_user();
        let code = path_param(parts, app, "code").await?;
        let agency = visible_agency(app, &user, &code).await?;
        user.require(app, N::PERMISSION, &agency.agency_path())?;
        Ok(Self {
            agency,
            user,
            needs: PhantomData,
        })
    }
}

/// A record with an id of its own that belongs to an agency.
pub trait Record: Sized + Send {
    /// What a handler gets of the record's agency.
    type Scope: Send;
    /// The record, if it is within the actor's reach.
    fn find(
        store: &Store,
        actor: &Actor,
        id: uuid::Uuid,
    ) -> impl Future<Output = anwei_store::Result<Option<Self>>> + Send;
    /// The agency it belongs to; `None` for a record of no agency.
    fn owner(&self) -> Option<uuid::Uuid>;
    /// The scope handed to the handler, from the owner's (already checked) scope.
    fn scope(agency: Option<AgencyScope>, user: &CurrentUser) -> Result<Self::Scope, AppError>;
}

/// An agency's record always has its agency.
fn agency_required(agency: Option<AgencyScope>) -> Result<AgencyScope, AppError> {
    agency.ok_or(AppError::NotFound)
}

macro_rules! agency_record {
    ($row:ty, $find:ident) => {
        impl Record for $row {
            type Scope = AgencyScope;
            async fn find(
                store: &Store,
                actor: &Actor,
                id: uuid::Uuid,
            ) -> anwei_store::Result<Option<Self>> {
                store.$find(actor, id).await
            }
            fn owner(&self) -> Option<uuid::Uuid> {
                Some(self.agency_id)
            }
            fn scope(
                agency: Option<AgencyScope>,
                _: &CurrentUser,
            ) -> Result<AgencyScope, AppError> {
                agency_required(agency)
            }
        }
    };
}

agency_record!(TaskRow, task);
agency_record!(IncidentRow, incident);
agency_record!(EvidenceRow, evidence);

/// An account: an agency's, or one of the administrators' own (which only they see).
impl Record for UserRow {
    type Scope = Option<AgencyScope>;
    async fn find(
        store: &Store,
        actor: &Actor,
        id: uuid::Uuid,
    ) -> anwei_store::Result<Option<Self>> {
        store.user_by_id(actor, id).await
    }
    fn owner(&self) -> Option<uuid::Uuid> {
        self.agency_id
    }
    fn scope(
        agency: Option<AgencyScope>,
        user: &CurrentUser,
    ) -> Result<Option<AgencyScope>, AppError> {
        match agency {
            None if !user.role.is_admin() => Err(AppError::NotFound),
            a => Ok(a),
        }
    }
}

/// The record of the path's `{id}`, found within the actor's reach, with its agency checked for
/// the permission `N`.
pub struct Owned<R: Record, N, P = CurrentUser> {
    pub record: R,
    pub agency: R::Scope,
    pub user: CurrentUser,
    needs: PhantomData<fn() -> (N, P)>,
}

impl<R: Record, N: Needs, P: Principal> FromRequestParts<AppState> for Owned<R, N, P> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, AppError> {
        mark_checked(parts);
        let user = P::from_request_parts(parts, app).await?.into_user();
        let id = path_param(parts, app, "id").await?;
        let id = uuid::Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
        let record = R::find(&app.store, &user.actor, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let agency = match record.owner() {
            Some(owner) => {
                let agency = app
                    .store
                    .agency_by_id(&user.actor, owner)
                    .await?
                    .ok_or(AppError::NotFound)?;
                user.require(app, N::PERMISSION, &agency.agency_path())?;
                Some(agency)
            }
            None => None,
        };
        let agency = R::scope(agency, &user)?;
        Ok(Self {
            record,
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

/// The collections whose records are addressed by their own id.
pub const RECORD_PREFIXES: [&str; 4] = ["tasks", "incidents", "users", "evidence"];

/// Whether a path is an agency's own: `/agencies/{code}/…`, or one of its records
/// (`/tasks/{id}/…` and the others of [`RECORD_PREFIXES`]), with or without `/api/v1`; but not
/// the collections' own pages (`/agencies/new`, `/incidents`).
pub fn is_agency_path(path: &str) -> bool {
    let path = path.strip_prefix("/api/v1").unwrap_or(path);
    let mut segments = path.trim_start_matches('/').split('/');
    let (Some(collection), Some(key)) = (segments.next(), segments.next()) else {
        return false;
    };
    let owned = collection == "agencies" || RECORD_PREFIXES.contains(&collection);
    owned && !key.is_empty() && key != "new"
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
        assert!(is_agency_path("/incidents/1"));
        assert!(is_agency_path("/api/v1/incidents/1"));
        assert!(is_agency_path("/tasks/1/evidence"));
        assert!(is_agency_path("/users/1/role"));
        assert!(!is_agency_path("/incidents"));
        assert!(!is_agency_path("/outbox/1/retry"));
        assert!(!is_agency_path("/tokens/1/revoke"));
    }
}
