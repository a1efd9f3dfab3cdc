//! The `FROM … WHERE …` of a user search, written once for both databases: SQL text and the
//! values bound into it, in order. PostgreSQL pushes them into a `QueryBuilder`; SQLite joins
//! them with `?` placeholders.

use std::borrow::Cow;

use crate::model::{Permission, Principal, ReadAccess};
use crate::query::{CustomValueMatch, Matching, ReferenceMatch, SkillMatch, UserFilter, ValueTest};
use crate::sql::upserts::Value;

pub(crate) enum Piece<'a> {
    Sql(&'static str),
    Bind(Value<'a>),
}

#[derive(Default)]
pub(crate) struct Search<'a> {
    pub pieces: Vec<Piece<'a>>,
}

impl<'a> Search<'a> {
    fn sql(&mut self, text: &'static str) -> &mut Self {
        self.pieces.push(Piece::Sql(text));
        self
    }

    fn bind(&mut self, value: Value<'a>) -> &mut Self {
        // No stored text holds a NUL (PostgreSQL cannot store one, and refuses it as a
        // parameter): such a value matches nothing, which SQL's NULL says in both databases.
        if matches!(&value, Value::Text(Some(text)) if text.contains('\0')) {
            return self.sql("NULL");
        }
        self.pieces.push(Piece::Bind(value));
        self
    }

    fn int(&mut self, value: i64) -> &mut Self {
        self.bind(Value::Int(Some(value)))
    }

    fn text(&mut self, value: impl Into<Cow<'a, str>>) -> &mut Self {
        self.bind(Value::Text(Some(value.into())))
    }

    /// `(v1, v2, …)`; never empty, since `IN ()` is a syntax error.
    fn list(&mut self, values: impl IntoIterator<Item = Value<'a>>) -> &mut Self {
        self.sql("(");
        let mut any = false;
        for value in values {
            if any {
                self.sql(", ");
            }
            self.bind(value);
            any = true;
        }
        if !any {
            self.sql("NULL");
        }
        self.sql(")")
    }

    fn ints(&mut self, ids: &[i64]) -> &mut Self {
        self.list(ids.iter().map(|&id| Value::Int(Some(id))))
    }

    /// A `LIKE` pattern for "contains", lower-cased (the column is compared lower-cased too).
    fn contains(&mut self, part: &str) -> &mut Self {
        let mut pattern = String::with_capacity(part.len() + 2);
        pattern.push('%');
        for c in part.to_lowercase().chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        self.text(pattern).sql(" ESCAPE '\\'")
    }
}

pub(crate) fn user_search<'a>(filter: &'a UserFilter) -> Search<'a> {
    let account = filter.viewer.account_id;
    let mut q = Search::default();
    q.sql(" FROM users u WHERE u.account_id = ").int(account);
    if let Some(ids) = &filter.ids {
        let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
        q.sql(" AND u.id IN ").ints(&ids);
    }
    if !filter.include_disabled {
        q.sql(" AND u.disabled = FALSE");
    }
    if filter.on_my_account {
        q.sql(" AND EXISTS (SELECT 1 FROM account_memberships m WHERE m.user_id = u.id AND m.account_id = ")
            .int(account)
            .sql(")");
    }
    push_matching(&mut q, &filter.matching, account);
    for condition in &filter.matching.custom_values {
        push_custom_value(&mut q, condition, &filter.viewer);
    }
    q
}

fn push_matching<'a>(q: &mut Search<'a>, m: &'a Matching, account: i64) {
    if let Some(other) = m.account_id {
        q.sql(" AND u.account_id = ").int(other);
    }
    if let Some(addresses) = &m.email_addresses {
        let lowered = addresses
            .iter()
            .map(|a| Value::Text(Some(a.to_lowercase().into())));
        q.sql(" AND lower(u.email_address) IN ").list(lowered);
    }
    if let Some(part) = &m.full_name {
        q.sql(" AND lower(u.full_name) LIKE ").contains(part);
    }
    if let Some(part) = &m.full_name_or_role {
        q.sql(" AND (lower(u.full_name) LIKE ")
            .contains(part)
            .sql(" OR EXISTS (SELECT 1 FROM roles r WHERE r.id = u.role_id AND lower(r.name) LIKE ")
            .contains(part)
            .sql("))");
    }
    if let Some(part) = &m.search {
        q.sql(" AND (lower(u.full_name) LIKE ")
            .contains(part)
            .sql(" OR lower(u.email_address) LIKE ")
            .contains(part)
            .sql(")");
    }
    if let Some(ids) = &m.role_ids {
        q.sql(" AND u.role_id IN ").ints(ids);
    }
    if let Some(ids) = &m.with_users {
        q.sql(" AND u.id IN ").ints(ids);
    }
    if !m.without_users.is_empty() {
        q.sql(" AND u.id NOT IN ").ints(&m.without_users);
    }
    let times = [
        (m.created_after, " AND u.created_at > "),
        (m.created_before, " AND u.created_at < "),
        (m.updated_after, " AND u.updated_at > "),
        (m.updated_before, " AND u.updated_at < "),
    ];
    for (at, clause) in times {
        if let Some(at) = at {
            q.sql(clause).bind(Value::Time(Some(at)));
        }
    }
    if let Some(lowest) = m.permission_at_least {
        let reaching = Permission::ALL
            .into_iter()
            .filter(|p| p.read_access().is_some() && p.read_access() >= lowest.read_access())
            .map(|p| Value::Text(Some(p.as_str().into())));
        q.sql(" AND EXISTS (SELECT 1 FROM account_memberships m WHERE m.user_id = u.id AND m.account_id = ")
            .int(account)
            .sql(" AND m.permission IN ")
            .list(reaching)
            .sql(")");
    }
    if let Some(wanted) = &m.with_skills {
        push_skill_match(q, wanted);
    }
    if !m.without_skills.is_empty() {
        q.sql(" AND NOT EXISTS (SELECT 1 FROM skill_memberships s WHERE s.user_id = u.id AND s.skill_id IN ")
            .ints(&m.without_skills)
            .sql(")");
    }
    if m.managers {
        q.sql(" AND EXISTS (SELECT 1 FROM users e WHERE e.manager_id = u.id)");
    }
    match m.has_external_references {
        Some(true) => {
            q.sql(" AND EXISTS (SELECT 1 FROM external_references x WHERE x.subject_id = u.id)");
        }
        Some(false) => {
            q.sql(
                " AND NOT EXISTS (SELECT 1 FROM external_references x WHERE x.subject_id = u.id)",
            );
        }
        None => {}
    }
    if !m.external_reference.is_empty() {
        q.sql(" AND EXISTS (SELECT 1 FROM external_references x WHERE x.subject_id = u.id");
        push_reference_match(q, &m.external_reference);
        q.sql(")");
    }
    if let Some(service) = &m.without_reference_service {
        q.sql(" AND NOT EXISTS (SELECT 1 FROM external_references x WHERE x.subject_id = u.id AND x.service_name = ")
            .text(service.as_str())
            .sql(")");
    }
}

fn push_skill_match<'a>(q: &mut Search<'a>, wanted: &'a SkillMatch) {
    if wanted.skills.is_empty() {
        return;
    }
    q.sql(" AND (");
    for (i, (skill, levels)) in wanted.skills.iter().enumerate() {
        if i > 0 {
            q.sql(if wanted.any { " OR " } else { " AND " });
        }
        q.sql("EXISTS (SELECT 1 FROM skill_memberships s WHERE s.user_id = u.id AND s.skill_id = ")
            .int(*skill);
        if !levels.is_empty() {
            q.sql(" AND s.level IN ").ints(levels);
        }
        q.sql(")");
    }
    q.sql(")");
}

fn push_reference_match<'a>(q: &mut Search<'a>, r: &'a ReferenceMatch) {
    let exact = [
        (&r.service_name, " AND x.service_name = "),
        (&r.service_model, " AND x.service_model = "),
        (&r.status, " AND x.status = "),
        (&r.external_status, " AND x.external_status = "),
        (&r.external_message, " AND x.external_message = "),
    ];
    for (value, clause) in exact {
        if let Some(value) = value {
            q.sql(clause).text(value.as_str());
        }
    }
    if let Some(refs) = &r.service_model_refs {
        let refs = refs.iter().map(|r| Value::Text(Some(r.as_str().into())));
        q.sql(" AND x.service_model_ref IN ").list(refs);
    }
}

/// A custom field condition, only ever over a field of the viewer's account that the viewer
/// may read, so that no filter reveals a value the views would hide.
fn push_custom_value<'a>(q: &mut Search<'a>, condition: &'a CustomValueMatch, viewer: &Principal) {
    let readable = |q: &mut Search<'a>| {
        let levels = ReadAccess::ALL
            .into_iter()
            .filter(|level| viewer.reaches(*level))
            .map(|level| Value::Text(Some(level.as_str().into())));
        q.sql(" AND f.account_id = ")
            .int(viewer.account_id)
            .sql(" AND f.read_access IN ")
            .list(levels);
    };
    q.sql(" AND EXISTS (SELECT 1 FROM custom_fields f WHERE f.id = ")
        .int(condition.field_id);
    readable(q);
    q.sql(") AND (");
    for (i, test) in condition.tests.iter().enumerate() {
        if i > 0 {
            q.sql(" OR ");
        }
        if *test == ValueTest::Blank {
            q.sql("NOT ");
        }
        q.sql("EXISTS (SELECT 1 FROM custom_field_values v WHERE v.subject_id = u.id AND v.custom_field_id = ")
            .int(condition.field_id);
        push_value_test(q, test);
        q.sql(")");
    }
    if condition.tests.is_empty() {
        q.sql("FALSE");
    }
    q.sql(")");
}

/// Values are stored as compact JSON (`"M"`, `80`, `[3,4]`, `[20020,"USD"]`): the tests compare
/// that text, so both databases run the same SQL.
fn push_value_test<'a>(q: &mut Search<'a>, test: &'a ValueTest) {
    match test {
        ValueTest::Any | ValueTest::Blank => {}
        ValueTest::Text(text) => {
            q.sql(" AND lower(v.display_value) = ")
                .text(text.to_lowercase());
        }
        ValueTest::Number(json) => {
            q.sql(" AND v.value = ").text(json.as_str());
        }
        ValueTest::Between(from, to) => {
            q.sql(" AND v.value LIKE '\"____-__-__\"'");
            if let Some(from) = from {
                q.sql(" AND v.value >= ").text(format!("\"{from}\""));
            }
            if let Some(to) = to {
                q.sql(" AND v.value <= ").text(format!("\"{to}\""));
            }
        }
        ValueTest::Choice(id) => {
            q.sql(" AND (v.value IN ")
                .list([
                    Value::Text(Some(id.to_string().into())),
                    Value::Text(Some(format!("[{id}]").into())),
                ])
                .sql(" OR v.value LIKE ")
                .text(format!("[{id},%"))
                .sql(" OR v.value LIKE ")
                .text(format!("%,{id},%"))
                .sql(" OR v.value LIKE ")
                .text(format!("%,{id}]"))
                .sql(")");
        }
        ValueTest::Currency {
            cents,
            code: Some(code),
        } => {
            let json = serde_json::json!([cents, code]).to_string();
            q.sql(" AND v.value = ").text(json);
        }
        ValueTest::Currency { cents, code: None } => {
            q.sql(" AND (v.value = ")
                .text(cents.to_string())
                .sql(" OR v.value LIKE ")
                .text(format!("[{cents},%"))
                .sql(")");
        }
    }
}
