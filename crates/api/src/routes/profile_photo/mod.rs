//! Update Profile Photo and its reset.

pub mod reset;
pub mod update;

use portrait_store::{Principal, User, UserId};

use crate::error::ApiError;
use crate::routes::users::find_visible;
use crate::state::AppState;

/// The user whose photo the caller wants to change: 404 when invisible, 403 when not theirs to
/// change (only the user themself or an administrator of their account may).
pub async fn editable_user(
    state: &AppState,
    caller: &Principal,
    id: UserId,
) -> Result<User, ApiError> {
    let user = find_visible(state, caller, id).await?;
    if caller.may_edit(&user) {
        Ok(user)
    } else {
        Err(ApiError::Forbidden(
            "You are not allowed to change this user's profile photo",
        ))
    }
}
