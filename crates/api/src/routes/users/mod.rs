//! The user reads and the update. They share one way of turning found users into a Kantata
//! envelope.

pub mod index;
pub mod me;
pub mod show;
pub mod update;

use axum::response::{IntoResponse, Response};
use axum::Json;
use portrait_store::{Order, Page, Principal, User, UserFilter, UserId};

use crate::error::ApiError;
use crate::params::QueryPairs;
use crate::presenter::{Meta, Presenter};
use crate::state::AppState;

/// A user the caller can see, or 404: unknown and invisible users are the same to a client.
pub async fn find_visible(
    state: &AppState,
    viewer: &Principal,
    id: UserId,
) -> Result<User, ApiError> {
    let filter = UserFilter {
        viewer: viewer.clone(),
        ids: Some(vec![id]),
        on_my_account: false,
        include_disabled: true,
        matching: Default::default(),
        order: Order::Id,
        page: Page {
            offset: 0,
            limit: 1,
        },
    };
    let found = state.store.find_users(&filter).await?;
    found.users.into_iter().next().ok_or(ApiError::NotFound)
}

/// A single-user envelope (show, me, photo update), honouring `include` and `optional_fields`.
pub async fn present_one(
    state: &AppState,
    viewer: &Principal,
    user: User,
    query: &QueryPairs,
) -> Result<Response, ApiError> {
    present(state, viewer, Meta::single(), vec![user], query).await
}

pub async fn present(
    state: &AppState,
    viewer: &Principal,
    meta: Meta,
    users: Vec<User>,
    query: &QueryPairs,
) -> Result<Response, ApiError> {
    let includes = query.includes();
    let found = state
        .store
        .load_associations(viewer, &users, &includes)
        .await?;
    let presenter = Presenter {
        viewer,
        includes,
        optional: query.optional_fields(),
        urls: &state.urls,
    };
    // Serialised straight from the views into the body: no JSON tree in between.
    Ok(Json(presenter.envelope(meta, &users, &found)).into_response())
}
