//! `update_user` below HTTP, on SQLite and PostgreSQL: what it writes, what it leaves, and the
//! errors callers tell apart.

use portrait_store::*;

use crate::helpers::*;

async fn user(store: &dyn MetadataStore, id: i64) -> User {
    let mut f = filter(ada());
    f.ids = Some(vec![UserId(id)]);
    f.include_disabled = true;
    store.find_users(&f).await.unwrap().users.remove(0)
}

async fn references(store: &dyn MetadataStore, id: i64) -> Vec<ExternalReference> {
    let users = [user(store, id).await];
    let includes = Includes::parse("external_references");
    store
        .load_associations(&ada(), &users, &includes)
        .await
        .unwrap()
        .external_references
}

fn reference(name: &str, model_ref: &str) -> ExternalReferenceUpdate {
    ExternalReferenceUpdate {
        service_name: name.to_owned(),
        service_model: "Issue".to_owned(),
        service_model_ref: model_ref.to_owned(),
        status: None,
        external_message: None,
        external_link: None,
        external_status: None,
        locked: None,
    }
}

#[tokio::test]
async fn writes_what_is_given_and_keeps_the_rest() {
    for (backend, store) in demo_store().await {
        let before = user(&*store, 11).await;
        let update = UserUpdate {
            full_name: Some("Grace Brewster Hopper".into()),
            headline: Some(None),
            ..UserUpdate::default()
        };
        store.update_user(UserId(11), &update).await.unwrap();
        let after = user(&*store, 11).await;
        assert_eq!(after.full_name, "Grace Brewster Hopper", "{backend}");
        assert_eq!(after.headline, None, "{backend}: a cleared headline");
        assert_eq!(after.email_address, before.email_address, "{backend}");
        assert!(after.updated_at > before.updated_at, "{backend}");
        assert_eq!(after.created_at, before.created_at, "{backend}");
        // Only a reference: the user row is not touched.
        let update = UserUpdate {
            external_reference: Some(reference("jira", "J-1")),
            ..UserUpdate::default()
        };
        store.update_user(UserId(11), &update).await.unwrap();
        assert_eq!(
            user(&*store, 11).await.updated_at,
            after.updated_at,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn references_are_keyed_by_user_and_service_name() {
    for (backend, store) in demo_store().await {
        let demo = references(&*store, 11).await;
        let with = |r| UserUpdate {
            external_reference: Some(r),
            ..UserUpdate::default()
        };
        // The demo's "hr" reference: updated in place, unsent fields kept.
        store
            .update_user(UserId(11), &with(reference("hr", "e-11b")))
            .await
            .unwrap();
        let after = references(&*store, 11).await;
        assert_eq!(after.len(), demo.len(), "{backend}");
        assert_eq!(after[0].id, demo[0].id);
        assert_eq!(after[0].service_model_ref, "e-11b");
        assert_eq!(after[0].status, demo[0].status, "{backend}: status kept");
        assert_eq!(after[0].locked, demo[0].locked, "{backend}: locked kept");
        assert_eq!(after[0].last_synced_at, demo[0].last_synced_at);
        // A new name: a new row with a fresh id, pending and unlocked.
        store
            .update_user(UserId(11), &with(reference("jira", "J-1")))
            .await
            .unwrap();
        let after = references(&*store, 11).await;
        assert_eq!(after.len(), demo.len() + 1, "{backend}");
        let new = after.iter().find(|r| r.service_name == "jira").unwrap();
        assert_eq!((new.status.as_str(), new.locked), ("pending", false));
        assert!(new.id > 81, "{backend}: above every fixture id");
    }
}

#[tokio::test]
async fn errors_are_distinguishable_and_leave_nothing_behind() {
    for (backend, store) in demo_store().await {
        let update = UserUpdate {
            full_name: Some("Someone".into()),
            email_address: Some("ADA@acme.test".into()),
            external_reference: Some(reference("jira", "J-1")),
            ..UserUpdate::default()
        };
        let before = user(&*store, 11).await;
        let refs_before = references(&*store, 11).await;
        let error = store.update_user(UserId(11), &update).await.unwrap_err();
        assert!(
            matches!(error, StoreError::EmailTaken),
            "{backend}: {error:?}"
        );
        assert_eq!(user(&*store, 11).await, before, "{backend}");
        assert_eq!(references(&*store, 11).await, refs_before, "{backend}");
        let error = store.update_user(UserId(999), &UserUpdate::default()).await;
        assert!(
            matches!(error, Err(StoreError::UnknownUser(999))),
            "{backend}: {error:?}"
        );
    }
}
