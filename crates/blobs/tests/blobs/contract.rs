//! The shared behaviour suite (`portrait_blobs::testsuite`) against every
//! backend. S3 tests are skipped unless `PORTRAIT_TEST_S3_ENDPOINT` is set
//! (see `scripts/garage-start.sh`).

use portrait_blobs::testsuite;

macro_rules! contract {
    ($backend:ident: $($check:ident),* $(,)?) => {
        mod $backend {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $check() {
                    let Some(fixture) = crate::common::$backend() else { return };
                    let store = &*fixture.store;
                    let prefix = testsuite::unique_prefix(stringify!($check));
                    testsuite::$check(store, &prefix).await;
                    testsuite::cleanup(store, &prefix).await;
                    assert!(store.list(&prefix).await.expect("list").is_empty());
                }
            )*

            #[test]
            fn every_check_is_instantiated() {
                let here = [$(stringify!($check)),*];
                for (name, _) in testsuite::CHECKS {
                    assert!(here.contains(name), "check {name} not run for this backend");
                }
            }
        }
    };
}

macro_rules! all_checks {
    ($($backend:ident),*) => {
        $(
            contract!($backend:
                round_trip,
                overwrite,
                delete_is_idempotent,
                absent_get_is_none,
                list_by_prefix_with_sizes,
                nested_keys,
                concurrent_puts,
                concurrent_overwrites,
                large_blob,
                ping,
            );
        )*
    };
}

all_checks!(fs, s3, memory);

#[test]
fn invalid_keys_are_rejected() {
    testsuite::invalid_keys_are_rejected();
}
