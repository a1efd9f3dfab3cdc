// Included by `sqlite.rs` and `postgres.rs`, each of which defines `Db`, `Store`, `MIGRATOR`
// and `NULL_SAFE_EQ`. Placeholders are `$N`, which both drivers accept.

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use async_trait::async_trait;
use chrono::Utc;
use sqlx::QueryBuilder;

use crate::fixture::{ExistingIds, Fixture, ImportReport};
use crate::model::*;
use crate::query::{Includes, Order, UserFilter, UserPage};
use crate::sql::distinct;
use crate::sql::text::{self, ByIds, USER_COLUMNS};
use crate::{MetadataStore, TokenHash};

impl Store {
    fn tick(&self) {
        self.queries.fetch_add(1, Ordering::Relaxed);
    }

    async fn ids_of(
        &self,
        conn: &mut <Db as sqlx::Database>::Connection,
        table: &str,
    ) -> Result<HashSet<i64>, StoreError> {
        self.tick();
        let rows: Vec<(i64,)> = sqlx::query_as(&format!("SELECT id FROM {table}"))
            .fetch_all(conn)
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// `WHERE` clauses shared by the count and the page of a user search.
    fn push_user_filter(query: &mut QueryBuilder<'_, Db>, filter: &UserFilter) {
        query.push(" FROM users u WHERE u.account_id = ");
        query.push_bind(filter.viewer.account_id);
        if let Some(ids) = &filter.ids {
            query.push(" AND u.id IN ");
            push_id_list(query, ids.iter().map(|id| id.0));
        }
        if !filter.include_disabled {
            query.push(" AND u.disabled = FALSE");
        }
        if filter.on_my_account {
            query.push(
                " AND EXISTS (SELECT 1 FROM account_memberships m \
                 WHERE m.user_id = u.id AND m.account_id = ",
            );
            query.push_bind(filter.viewer.account_id);
            query.push(")");
        }
    }

    async fn users_by_id(&self, account_id: i64, ids: &[i64]) -> Result<Vec<User>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = QueryBuilder::<Db>::new(format!("SELECT {USER_COLUMNS}"));
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
        T: for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row> + Send + Unpin,
    {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = QueryBuilder::<Db>::new(sql.select);
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

fn push_id_list(query: &mut QueryBuilder<'_, Db>, ids: impl Iterator<Item = i64>) {
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

#[async_trait]
impl MetadataStore for Store {
    async fn migrate(&self) -> Result<(), StoreError> {
        self.tick();
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.tick();
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn import(&self, fixture: &Fixture) -> Result<ImportReport, StoreError> {
        let mut tx = self.pool.begin().await?;
        let existing = ExistingIds {
            accounts: self.ids_of(&mut tx, "accounts").await?,
            roles: self.ids_of(&mut tx, "roles").await?,
            users: self.ids_of(&mut tx, "users").await?,
            skills: self.ids_of(&mut tx, "skills").await?,
            custom_fields: self.ids_of(&mut tx, "custom_fields").await?,
        };
        fixture.validate(&existing)?;
        let now = Utc::now();
        let mut report = ImportReport::default();

        for e in &fixture.accounts {
            self.tick();
            sqlx::query(
                "INSERT INTO accounts (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name",
            )
            .bind(e.id)
            .bind(&e.name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            report.accounts += 1;
        }
        for e in &fixture.roles {
            self.tick();
            sqlx::query(
                "INSERT INTO roles (id, account_id, name, deleted_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (id) DO UPDATE SET \
                 account_id = excluded.account_id, name = excluded.name, \
                 deleted_at = excluded.deleted_at",
            )
            .bind(e.id)
            .bind(e.account_id)
            .bind(&e.name)
            .bind(e.deleted_at)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            report.other_rows += 1;
        }
        for e in &fixture.users {
            self.tick();
            sqlx::query(
                "INSERT INTO users (id, account_id, full_name, email_address, headline, bio, \
                 website, city, state, country, abbreviated_timezone, classification, \
                 last_site_activity, disabled, generic, manager_id, role_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18) \
                 ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, \
                 full_name = excluded.full_name, email_address = excluded.email_address, \
                 headline = excluded.headline, bio = excluded.bio, website = excluded.website, \
                 city = excluded.city, state = excluded.state, country = excluded.country, \
                 abbreviated_timezone = excluded.abbreviated_timezone, \
                 classification = excluded.classification, \
                 last_site_activity = excluded.last_site_activity, disabled = excluded.disabled, \
                 generic = excluded.generic, manager_id = excluded.manager_id, \
                 role_id = excluded.role_id",
            )
            .bind(e.id)
            .bind(e.account_id)
            .bind(&e.full_name)
            .bind(&e.email_address)
            .bind(&e.headline)
            .bind(&e.bio)
            .bind(&e.website)
            .bind(&e.city)
            .bind(&e.state)
            .bind(&e.country)
            .bind(&e.abbreviated_timezone)
            .bind(&e.classification)
            .bind(e.last_site_activity)
            .bind(e.disabled)
            .bind(e.generic)
            .bind(e.manager_id)
            .bind(e.role_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            report.users += 1;
        }
        for e in &fixture.account_memberships {
            self.tick();
            sqlx::query(
                "INSERT INTO account_memberships (id, account_id, user_id, permission, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (id) DO UPDATE SET \
                 account_id = excluded.account_id, user_id = excluded.user_id, \
                 permission = excluded.permission",
            )
            .bind(e.id)
            .bind(e.account_id)
            .bind(e.user_id)
            .bind(&e.permission)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            report.other_rows += 1;
        }
        for e in &fixture.skills {
            self.tick();
            sqlx::query(
                "INSERT INTO skills (id, account_id, name, description, max_level, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (id) DO UPDATE SET \
                 account_id = excluded.account_id, name = excluded.name, \
                 description = excluded.description, max_level = excluded.max_level",
            )
            .bind(e.id)
            .bind(e.account_id)
            .bind(&e.name)
            .bind(&e.description)
            .bind(e.max_level)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            report.other_rows += 1;
        }
        for e in &fixture.skill_memberships {
            self.tick();
            sqlx::query(
                "INSERT INTO skill_memberships (id, user_id, skill_id, level, creator_id, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) \
                 ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, \
                 skill_id = excluded.skill_id, level = excluded.level, \
                 creator_id = excluded.creator_id",
            )
            .bind(e.id)
            .bind(e.user_id)
            .bind(e.skill_id)
            .bind(e.level)
            .bind(e.creator_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            report.other_rows += 1;
        }
        for e in &fixture.work_samples {
            self.tick();
            sqlx::query(
                "INSERT INTO work_samples (id, user_id, title, description, website_url, \
                 trapped_website_url, attachment_id, attachment_filename, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (id) DO UPDATE SET \
                 user_id = excluded.user_id, title = excluded.title, \
                 description = excluded.description, website_url = excluded.website_url, \
                 trapped_website_url = excluded.trapped_website_url, \
                 attachment_id = excluded.attachment_id, \
                 attachment_filename = excluded.attachment_filename",
            )
            .bind(e.id)
            .bind(e.user_id)
            .bind(&e.title)
            .bind(&e.description)
            .bind(&e.website_url)
            .bind(&e.trapped_website_url)
            .bind(e.attachment_id)
            .bind(&e.attachment_filename)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            report.other_rows += 1;
        }
        for e in &fixture.custom_fields {
            self.tick();
            sqlx::query(
                "INSERT INTO custom_fields (id, account_id, name, type, read_access, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (id) DO UPDATE SET \
                 account_id = excluded.account_id, name = excluded.name, type = excluded.type, \
                 read_access = excluded.read_access",
            )
            .bind(e.id)
            .bind(e.account_id)
            .bind(&e.name)
            .bind(&e.field_type)
            .bind(&e.read_access)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            report.other_rows += 1;
        }
        for e in &fixture.custom_field_values {
            let display = match (&e.display_value, &e.value) {
                (Some(display), _) => display.clone(),
                (None, serde_json::Value::String(s)) => s.clone(),
                (None, other) => other.to_string(),
            };
            self.tick();
            sqlx::query(
                "INSERT INTO custom_field_values (id, custom_field_id, subject_type, subject_id, \
                 value, display_value, setter_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (id) DO UPDATE SET \
                 custom_field_id = excluded.custom_field_id, subject_type = excluded.subject_type, \
                 subject_id = excluded.subject_id, value = excluded.value, \
                 display_value = excluded.display_value, setter_id = excluded.setter_id",
            )
            .bind(e.id)
            .bind(e.custom_field_id)
            .bind(&e.subject_type)
            .bind(e.subject_id)
            .bind(e.value.to_string())
            .bind(display)
            .bind(e.setter_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            report.other_rows += 1;
        }
        for e in &fixture.external_references {
            self.tick();
            sqlx::query(
                "INSERT INTO external_references (id, subject_type, subject_id, service_name, \
                 service_model, service_model_ref, status, external_link, external_message, \
                 external_status, locked, last_synced_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) \
                 ON CONFLICT (id) DO UPDATE SET subject_type = excluded.subject_type, \
                 subject_id = excluded.subject_id, service_name = excluded.service_name, \
                 service_model = excluded.service_model, \
                 service_model_ref = excluded.service_model_ref, status = excluded.status, \
                 external_link = excluded.external_link, \
                 external_message = excluded.external_message, \
                 external_status = excluded.external_status, locked = excluded.locked, \
                 last_synced_at = excluded.last_synced_at",
            )
            .bind(e.id)
            .bind(&e.subject_type)
            .bind(e.subject_id)
            .bind(&e.service_name)
            .bind(&e.service_model)
            .bind(&e.service_model_ref)
            .bind(&e.status)
            .bind(&e.external_link)
            .bind(&e.external_message)
            .bind(&e.external_status)
            .bind(e.locked)
            .bind(e.last_synced_at)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            report.other_rows += 1;
        }
        for e in &fixture.tokens {
            self.tick();
            sqlx::query(
                "INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (token_hash) DO NOTHING",
            )
            .bind(e.user_id)
            .bind(TokenHash::of(&e.token).as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            report.tokens += 1;
        }
        self.tick();
        tx.commit().await?;
        Ok(report)
    }

    async fn authenticate(&self, token: &TokenHash) -> Result<Option<Principal>, StoreError> {
        self.tick();
        let row: Option<(String, UserId, i64, Option<String>)> = sqlx::query_as(text::AUTHENTICATE)
        .bind(token.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .filter(|(stored, ..)| token.matches(stored))
            .map(|(_, user_id, account_id, permission)| Principal {
                user_id,
                account_id,
                permission: permission.as_deref().and_then(Permission::parse),
            }))
    }

    async fn create_token(&self, user: UserId, token: &TokenHash) -> Result<(), StoreError> {
        self.tick();
        let result = sqlx::query(
            "INSERT INTO api_tokens (user_id, token_hash, created_at) \
             SELECT id, $2, $3 FROM users WHERE id = $1",
        )
        .bind(user)
        .bind(token.as_str())
        .bind(Utc::now())
        .execute(&self.pool)
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::UnknownUser(user.0));
        }
        Ok(())
    }

    async fn revoke_token(&self, token: &TokenHash) -> Result<bool, StoreError> {
        self.tick();
        let result = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token.as_str())
        .bind(Utc::now())
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() > 0)
    }

    async fn find_users(&self, filter: &UserFilter) -> Result<UserPage, StoreError> {
        let mut count = QueryBuilder::<Db>::new("SELECT COUNT(*)");
        Store::push_user_filter(&mut count, filter);
        self.tick();
        let (total,): (i64,) = count.build_query_as().fetch_one(&self.pool).await?;
        if total == 0 {
            return Ok(UserPage {
                total: 0,
                users: Vec::new(),
            });
        }

        let mut page = QueryBuilder::<Db>::new(format!("SELECT {USER_COLUMNS}"));
        Store::push_user_filter(&mut page, filter);
        page.push(match filter.order {
            Order::Id => " ORDER BY u.id",
            Order::AlphabeticalAsc => " ORDER BY lower(u.full_name) ASC, u.id ASC",
            Order::AlphabeticalDesc => " ORDER BY lower(u.full_name) DESC, u.id DESC",
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

    async fn load_associations(
        &self,
        viewer: &Principal,
        users: &[User],
        includes: &Includes,
    ) -> Result<Associations, StoreError> {
        let user_ids = distinct(users.iter().map(|u| u.id.0));
        let mut found = Associations::default();
        if includes.account_membership {
            found.account_memberships = self
                .rows_for(text::ACCOUNT_MEMBERSHIPS, Some(viewer.account_id), &user_ids)
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
            found.custom_field_values =
                values.into_iter().filter(|v| v.readable_by(viewer)).collect();
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

    async fn replace_photo(
        &self,
        user: UserId,
        photo: Option<&PhotoId>,
    ) -> Result<Option<PhotoId>, StoreError> {
        // Compare-and-swap instead of a locking transaction: one statement is atomic on both
        // databases, and a lost race simply reads the new value and tries again.
        loop {
            self.tick();
            let current: Option<(Option<String>,)> =
                sqlx::query_as("SELECT photo_id FROM users WHERE id = $1")
                    .bind(user)
                    .fetch_optional(&self.pool)
                    .await?;
            let Some((current,)) = current else {
                return Err(StoreError::UnknownUser(user.0));
            };
            self.tick();
            let swapped = sqlx::query(&format!(
                "UPDATE users SET photo_id = $2, updated_at = $3 \
                 WHERE id = $1 AND photo_id {NULL_SAFE_EQ} $4"
            ))
            .bind(user)
            .bind(photo.map(PhotoId::as_str))
            .bind(Utc::now())
            .bind(current.as_deref())
            .execute(&self.pool)
            .await?;
            if swapped.rows_affected() == 1 {
                return Ok(current.as_deref().and_then(PhotoId::parse));
            }
        }
    }

    async fn referenced_photos(&self) -> Result<HashSet<PhotoId>, StoreError> {
        self.tick();
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT photo_id FROM users WHERE photo_id IS NOT NULL")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .iter()
            .filter_map(|(id,)| PhotoId::parse(id))
            .collect())
    }

    fn queries_executed(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }
}
