//! One behaviour suite for every backend: SQLite always, PostgreSQL when
//! PORTRAIT_TEST_DATABASE_URL is set. Each case gets its own fresh database.

use std::collections::HashSet;

use portrait_store::*;

use crate::helpers::{ada, demo_store, each_store, filter, ids, viewer};

#[tokio::test]
async fn import_is_idempotent() {
    for (backend, store) in demo_store().await {
        let ada = viewer(10, 1, Some(Permission::Administrator));
        let before = store.find_users(&filter(ada.clone())).await.unwrap();
        let demo = Fixture::from_json(fixture::DEMO).unwrap();
        store.import(&demo).await.expect("second import");
        let after = store.find_users(&filter(ada)).await.unwrap();
        assert_eq!(before, after, "{backend}: a second import changed data");
        assert_eq!(
            after.total, 4,
            "{backend}: visible enabled users of account 1"
        );
    }
}

#[tokio::test]
async fn bad_fixtures_are_refused_whole() {
    let cases = [
        (
            r#"{"accounts": [{"id": 1, "name": "A"}], "users": [{"id": 2, "account_id": 9, "full_name": "X", "email_address": "x@x"}]}"#,
            "users[0] (id 2): account_id 9 names no account",
        ),
        (
            r#"{"accounts": [{"id": 1, "name": "A"}, {"id": 1, "name": "B"}]}"#,
            "accounts[1] (id 1): duplicate id",
        ),
        (
            r#"{"accounts": [{"id": 1, "name": "A"}], "users": [{"id": 2, "account_id": 1, "full_name": "X", "email_address": "x@x"}],
            "account_memberships": [{"id": 3, "account_id": 1, "user_id": 2, "permission": "god"}]}"#,
            "account_memberships[0] (id 3): permission \"god\" is not one of",
        ),
        (
            r#"{"accounts": [{"id": 1, "name": "A"}], "users": [{"id": 2, "account_id": 1, "full_name": "X", "email_address": "x@x", "manager_id": 77}]}"#,
            "users[0] (id 2): manager_id 77 names no user",
        ),
    ];
    for (backend, store) in each_store().await {
        for (json, expected) in cases {
            let fixture = Fixture::from_json(json).expect("valid JSON");
            let error = store.import(&fixture).await.expect_err("must be refused");
            assert!(
                error.to_string().contains(expected),
                "{backend}: {error} should contain {expected}"
            );
            let nobody = store.find_users(&filter(viewer(2, 1, None))).await.unwrap();
            assert_eq!(nobody.total, 0, "{backend}: a refused fixture left rows");
        }
    }
    let error = Fixture::from_json("{\"accounts\": [").expect_err("broken JSON");
    assert!(error.to_string().starts_with("not valid fixture JSON"));
}

#[tokio::test]
async fn tokens_are_hashed_checked_and_revocable() {
    for (backend, store) in demo_store().await {
        let token = PlainToken::generate();
        store.create_token(UserId(11), &token.hash()).await.unwrap();
        let principal = store.authenticate(&token.hash()).await.unwrap();
        assert_eq!(
            principal,
            Some(viewer(11, 1, Some(Permission::ProjectLead))),
            "{backend}"
        );
        assert_eq!(
            store.authenticate(&TokenHash::of("wrong")).await.unwrap(),
            None,
            "{backend}"
        );
        assert!(store.revoke_token(&token.hash()).await.unwrap());
        assert!(!store.revoke_token(&token.hash()).await.unwrap());
        assert_eq!(
            store.authenticate(&token.hash()).await.unwrap(),
            None,
            "{backend}"
        );
        assert!(matches!(
            store
                .create_token(UserId(999), &PlainToken::generate().hash())
                .await,
            Err(StoreError::UnknownUser(999))
        ));
    }
}

#[tokio::test]
async fn user_search_filters_orders_and_pages() {
    for (backend, store) in demo_store().await {
        let ada = viewer(10, 1, Some(Permission::Administrator));
        let all = store.find_users(&filter(ada.clone())).await.unwrap();
        assert_eq!(ids(&all), vec![10, 11, 12, 14], "{backend}");

        let mut f = filter(ada.clone());
        f.include_disabled = true;
        f.on_my_account = true;
        assert_eq!(
            ids(&store.find_users(&f).await.unwrap()),
            vec![10, 11, 12, 13]
        );

        let mut f = filter(ada.clone());
        f.order = Order::AlphabeticalDesc;
        f.page = Page {
            offset: 1,
            limit: 2,
        };
        let page = store.find_users(&f).await.unwrap();
        assert_eq!(page.total, 4, "{backend}");
        assert_eq!(ids(&page), vec![12, 14], "{backend}: Charles, Barbara");

        let mut f = filter(ada.clone());
        f.ids = Some(vec![UserId(12), UserId(20), UserId(404)]);
        assert_eq!(
            ids(&store.find_users(&f).await.unwrap()),
            vec![12],
            "{backend}"
        );

        let hank = viewer(20, 2, Some(Permission::Administrator));
        assert_eq!(
            ids(&store.find_users(&filter(hank)).await.unwrap()),
            vec![20]
        );
    }
}

#[tokio::test]
async fn associations_load_in_a_constant_number_of_queries() {
    for (backend, store) in demo_store().await {
        let ada = viewer(10, 1, Some(Permission::Administrator));
        let one = store
            .find_users(&UserFilter {
                ids: Some(vec![UserId(12)]),
                ..filter(ada.clone())
            })
            .await
            .unwrap();
        let many = store.find_users(&filter(ada.clone())).await.unwrap();

        let before = store.queries_executed();
        store
            .load_associations(&ada, &one.users, &Includes::all())
            .await
            .unwrap();
        let for_one = store.queries_executed() - before;
        let before = store.queries_executed();
        let found = store
            .load_associations(&ada, &many.users, &Includes::all())
            .await
            .unwrap();
        let for_many = store.queries_executed() - before;
        assert_eq!(for_one, for_many, "{backend}: queries grew with users");
        assert!(
            for_many <= 8,
            "{backend}: one query per association at most"
        );

        let skills: HashSet<(i64, i64)> = found.skills.iter().map(|s| (s.user_id, s.id)).collect();
        assert!(
            skills.contains(&(10, 5)) && skills.contains(&(10, 6)),
            "{backend}"
        );
        assert_eq!(
            found.managers.iter().map(|m| m.id.0).collect::<Vec<_>>(),
            vec![10]
        );
        assert!(
            found.custom_field_values.iter().any(|v| v.id == 71),
            "admin sees salary"
        );

        let grace = viewer(11, 1, Some(Permission::ProjectLead));
        let seen = store
            .load_associations(&grace, &many.users, &Includes::all())
            .await
            .unwrap();
        let values: Vec<i64> = seen.custom_field_values.iter().map(|v| v.id).collect();
        assert_eq!(
            values,
            vec![70, 72, 73],
            "{backend}: a project lead reaches project_lead fields, not account_admin ones"
        );
        let membership = &seen.skill_memberships[0];
        assert_eq!(
            (membership.cached_skill_name.as_str(), membership.max_level),
            ("Mathematics", 5)
        );
    }
}

#[tokio::test]
async fn photo_swaps_are_atomic_under_concurrency() {
    for (backend, store) in demo_store().await {
        let photos: Vec<PhotoId> = (0..16)
            .map(|i| PhotoId::parse(&format!("{i:064x}")).unwrap())
            .collect();
        let mut tasks = Vec::new();
        for photo in photos.clone() {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store.replace_photo(UserId(10), Some(&photo), None).await
            }));
        }
        let mut replaced = Vec::new();
        for task in tasks {
            replaced.push(task.await.unwrap().expect("swap"));
        }
        // Each swap saw a distinct predecessor: exactly one saw "none", and every photo but the
        // final one was replaced exactly once.
        let final_photo = store.referenced_photos().await.unwrap();
        assert_eq!(final_photo.len(), 1, "{backend}");
        assert_eq!(
            replaced.iter().filter(|r| r.is_none()).count(),
            1,
            "{backend}"
        );
        let predecessors: HashSet<_> = replaced.into_iter().flatten().collect();
        assert_eq!(predecessors.len(), 15, "{backend}");
        assert!(predecessors.is_disjoint(&final_photo), "{backend}");

        assert!(matches!(
            store.replace_photo(UserId(404), None, None).await,
            Err(StoreError::UnknownUser(404))
        ));
    }
}

#[tokio::test]
async fn a_photo_carries_its_thumbhash_and_old_photos_can_be_given_one() {
    let thumbhash_of = |users: &UserPage, id: i64| {
        let user = users.users.iter().find(|u| u.id == UserId(id)).unwrap();
        user.photo_thumbhash.clone()
    };
    for (backend, store) in demo_store().await {
        let new = PhotoId::parse(&"a".repeat(64)).unwrap();
        let old = PhotoId::parse(&"b".repeat(64)).unwrap();
        store
            .replace_photo(UserId(10), Some(&new), Some(&[1, 2, 3]))
            .await
            .unwrap();
        // As a photo stored before placeholders existed was.
        store
            .replace_photo(UserId(11), Some(&old), None)
            .await
            .unwrap();
        let users = store.find_users(&filter(ada())).await.unwrap();
        assert_eq!(thumbhash_of(&users, 10), Some(vec![1, 2, 3]), "{backend}");
        assert_eq!(thumbhash_of(&users, 11), None, "{backend}");
        let missing = store.photos_without_thumbhash().await.unwrap();
        assert_eq!(missing, HashSet::from([old.clone()]), "{backend}");

        store.set_photo_thumbhash(&old, &[4, 5]).await.unwrap();
        // Never over a placeholder the photo already has.
        store.set_photo_thumbhash(&new, &[9]).await.unwrap();
        let users = store.find_users(&filter(ada())).await.unwrap();
        assert_eq!(thumbhash_of(&users, 11), Some(vec![4, 5]), "{backend}");
        assert_eq!(thumbhash_of(&users, 10), Some(vec![1, 2, 3]), "{backend}");
        assert!(store.photos_without_thumbhash().await.unwrap().is_empty());

        // Removing the photo removes its placeholder.
        store.replace_photo(UserId(10), None, None).await.unwrap();
        let users = store.find_users(&filter(ada())).await.unwrap();
        assert_eq!(thumbhash_of(&users, 10), None, "{backend}");
    }
}

#[tokio::test]
async fn a_page_beyond_every_row_is_empty_even_past_i64() {
    for (backend, store) in demo_store().await {
        for offset in [1_000, u64::MAX] {
            let mut f = filter(ada());
            f.page = Page {
                offset,
                limit: u64::MAX,
            };
            let page = store
                .find_users(&f)
                .await
                .unwrap_or_else(|e| panic!("{backend}: {e}"));
            assert!(page.users.is_empty(), "{backend}: offset {offset}");
            assert_eq!(page.total, 4, "{backend}: offset {offset}");
        }
    }
}
