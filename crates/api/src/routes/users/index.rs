use axum::extract::{RawQuery, State};
use axum::response::Response;
use portrait_store::UserFilter;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::params::{self, Paging, QueryPairs};
use crate::presenter::Meta;
use crate::routes::users::present;
use crate::state::AppState;

/// Fetch the users of the caller's account, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "Users",
    params(
        crate::openapi::IncludeParam,
        crate::openapi::OptionalFieldsParam,
        crate::openapi::ListParams,
    ),
    responses(
        (status = 200, description = "A page of users, in the Kantata envelope", body = crate::views::UsersEnvelope),
        (status = 400, description = "A parameter could not be parsed", body = crate::views::Errors),
        (status = 401, description = "Missing, unknown or revoked token", body = crate::views::Errors),
    ),
    security(("bearer" = []))
)]
pub async fn index(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryPairs::parse(query.as_deref());
    let paging = Paging::from_query(&query, state.config.http.max_page_size);
    let filter = UserFilter {
        viewer: viewer.clone(),
        ids: params::only(&query),
        on_my_account: query.boolean("on_my_account")?,
        include_disabled: query.boolean("show_disabled")?,
        matching: params::matching(&query)?,
        order: params::order(&query),
        page: paging.page,
    };
    let found = state.store.find_users(&filter).await?;
    let meta = Meta::list(found.total, &paging);
    present(&state, &viewer, meta, found.users, &query).await
}
