//! `serve --demo`: the demo account, fresh tokens, sign-in links for the page at `/`, and
//! commands that work when pasted.

use std::path::Path;

use anyhow::Context;
use portrait_api::Application;
use portrait_store::{fixture, Fixture, PlainToken, UserId};

/// A small photo (CC0, derived from Clemens Engelhardt's "seeding") to try the upload with.
static DEMO_PHOTO: &[u8] = include_bytes!("../../assets/demo-photo.jpg");

const DEMO_USERS: [(i64, &str); 4] = [
    (10, "Ada Lovelace, administrator of Acme Robotics"),
    (11, "Grace Hopper, project lead at Acme Robotics"),
    (12, "Charles Babbage, collaborator at Acme Robotics"),
    (
        20,
        "Hank Scorpio, administrator of Globex (another account)",
    ),
];

pub async fn seed_and_print(application: &Application, data_dir: &Path) -> anyhow::Result<()> {
    let store = &application.state().store;
    store.import(&Fixture::from_json(fixture::DEMO)?).await?;
    std::fs::create_dir_all(data_dir)?;
    let photo = data_dir.join("demo-photo.jpg");
    std::fs::write(&photo, DEMO_PHOTO).with_context(|| format!("writing {}", photo.display()))?;
    let photo = photo.canonicalize()?;

    let base = application.public_url();
    println!("portrait demo: account \"Acme Robotics\" (and \"Globex\"), with these users:");
    let mut first_token = None;
    for (id, who) in DEMO_USERS {
        let token = PlainToken::generate();
        store.create_token(UserId(id), &token.hash()).await?;
        println!("  user {id:>2}  {who}\n           token {}", token.expose());
        // The fragment never reaches the server (nor its logs); the page takes it from there.
        println!("           open  {base}/#token={}", token.expose());
        first_token.get_or_insert(token);
    }
    if let Some(token) = first_token {
        let token = token.expose();
        println!();
        println!("Upload a profile photo for Ada (user 10):");
        println!(
            "  curl -sS -H 'Authorization: Bearer {token}' -F 'user[profile_photo_attachment_file]=@{}' '{base}/api/v1/users/10/profile_photo'",
            photo.display()
        );
        println!("Read her back with her role and skills:");
        println!(
            "  curl -sS -H 'Authorization: Bearer {token}' '{base}/api/v1/users/10?include=role,skills&optional_fields=bio,city'"
        );
        println!("List the account's users:");
        println!(
            "  curl -sS -H 'Authorization: Bearer {token}' '{base}/api/v1/users?include=manager'"
        );
        println!("Open {base}/api/v1/openapi.json for the full API.");
        println!();
    }
    Ok(())
}
