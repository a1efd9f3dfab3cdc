//! The reads whose SQL is assembled per request (id lists, optional filters), with sqlx's
//! `QueryBuilder` so every value is a bound parameter.

use sqlx::{Postgres, QueryBuilder};

use super::PostgresStore;
use crate::model::*;
use crate::query::{Includes, Order, UserFilter, UserPage};
use crate::sql::distinct;
use crate::sql::text::{self, ByIds, USER_COLUMNS};
use crate::sql::upserts::Value;
use crate::sql::user_search::{user_search, Piece};
use crate::StoreError;

impl PostgresStore {
    pub(super) async fn find_users_page(
        &self,
        filter: &UserFilter,
    ) -> Result<UserPage, StoreError> {
        let mut count = QueryBuilder::<Postgres>::new("SELECT COUNT(*)");
        push_user_filter(&mut count, filter);
        self.tick();
        let (total,): (i64,) = count.build_query_as().fetch_one(&self.pool).await?;
        if total == 0 {
            return Ok(UserPage {
                total: 0,
                users: Vec::new(),
            });
        }

        let mut page = QueryBuilder::<Postgres>::new(format!("SELECT {USER_COLUMNS}"));
        push_user_filter(&mut page, filter);
        page.push(match filter.order {
            Order::Id => " ORDER BY u.id",
            Order::AlphabeticalAsc => " ORDER BY lower(u.full_name) ASC, u.id ASC",
            Order::AlphabeticalDesc => " ORDER BY lower(u.full_name) DESC, u.id ASC",
        });
        page.push(" LIMIT ");
        page.push_bind(i64::try_from(filter.page.limit).unwrap_or(i64::MAX));
        page.push(" OFFSET ");
        page.push_bind(i64::try_from(filter.page.offset).unwrap_or(i64::MAX));
        self.tick();
        let users = page.build_query_as().fetch_all(&self.pool).await?;
        Ok(UserPage {
            total: u64::try_from(total).unwrap_or(0),
            users,
        })
    }

    pub(super) async fn associations_of(
        &self,
        viewer: &Principal,
        users: &[User],
        includes: &Includes,
    ) -> Result<Associations, StoreError> {
        let user_ids = distinct(users.iter().map(|u| u.id.0));
        let account = Some(viewer.account_id);
        let mut found = Associations::default();
        if includes.account_membership {
            found.account_memberships = self
                .rows_for(text::ACCOUNT_MEMBERSHIPS, account, &user_ids)
                .await?;
        }
        if includes.role {
            let role_ids = distinct(users.iter().filter_map(|u| u.role_id));
            found.roles = self.rows_for(text::ROLES, None, &role_ids).await?;
        }
        if includes.skills {
            found.skills = self.rows_for(text::SKILLS, None, &user_ids).await?;
        }
        if includes.skill_memberships {
            found.skill_memberships = self
                .rows_for(text::SKILL_MEMBERSHIPS, None, &user_ids)
                .await?;
        }
        if includes.work_samples {
            found.work_samples = self.rows_for(text::WORK_SAMPLES, None, &user_ids).await?;
        }
        if includes.custom_field_values {
            let values: Vec<CustomFieldValue> = self
                .rows_for(text::CUSTOM_FIELD_VALUES, None, &user_ids)
                .await?;
            found.custom_field_values = values
                .into_iter()
                .filter(|v| v.readable_by(viewer))
                .collect();
        }
        if includes.external_references {
            found.external_references = self
                .rows_for(text::EXTERNAL_REFERENCES, None, &user_ids)
                .await?;
        }
        if includes.manager {
            let manager_ids = distinct(users.iter().filter_map(|u| u.manager_id));
            found.managers = self.users_by_id(viewer.account_id, &manager_ids).await?;
        }
        Ok(found)
    }

    async fn users_by_id(&self, account_id: i64, ids: &[i64]) -> Result<Vec<User>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = QueryBuilder::<Postgres>::new(format!("SELECT {USER_COLUMNS}"));
        query.push(" FROM users u WHERE u.account_id = ");
        query.push_bind(account_id);
        query.push(" AND u.id IN ");
        push_id_list(&mut query, ids.iter().copied());
        query.push(" ORDER BY u.id");
        self.tick();
        Ok(query.build_query_as().fetch_all(&self.pool).await?)
    }

    /// Rows of one association for the given ids, in one statement; `account`, when given,
    /// also restricts them to that account.
    async fn rows_for<T>(
        &self,
        sql: ByIds,
        account: Option<i64>,
        ids: &[i64],
    ) -> Result<Vec<T>, StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = QueryBuilder::<Postgres>::new(sql.select);
        query.push(" WHERE ");
        if let Some(account) = account {
            query.push("account_id = ");
            query.push_bind(account);
            query.push(" AND ");
        }
        query.push(sql.id_column);
        query.push(" IN ");
        push_id_list(&mut query, ids.iter().copied());
        query.push(" ORDER BY ");
        query.push(sql.order);
        self.tick();
        Ok(query.build_query_as().fetch_all(&self.pool).await?)
    }
}

/// The search's text and values, as sqlx's builder wants them: every value bound.
fn push_user_filter<'a>(query: &mut QueryBuilder<'a, Postgres>, filter: &'a UserFilter) {
    for piece in user_search(filter).pieces {
        match piece {
            Piece::Sql(text) => {
                query.push(text);
            }
            Piece::Bind(value) => push_value(query, value),
        }
    }
}

fn push_value<'a>(query: &mut QueryBuilder<'a, Postgres>, value: Value<'a>) {
    match value {
        Value::Int(v) => query.push_bind(v),
        Value::SmallInt(v) => query.push_bind(v),
        Value::Text(v) => query.push_bind(v),
        Value::Bool(v) => query.push_bind(v),
        Value::MaybeBool(v) => query.push_bind(v),
        Value::Time(v) => query.push_bind(v),
    };
}

fn push_id_list(query: &mut QueryBuilder<'_, Postgres>, ids: impl Iterator<Item = i64>) {
    query.push("(");
    let mut list = query.separated(", ");
    let mut any = false;
    for id in ids {
        list.push_bind(id);
        any = true;
    }
    if !any {
        // `IN ()` is a syntax error; no id can be 0 (fixtures refuse it).
        list.push("0");
    }
    query.push(")");
}
