//! Hearing what other instances change: LISTEN on the schema's photo channel (the swap
//! announces each replaced photo with `pg_notify` in its own statement, see `text.rs`).
//!
//! Notifications sent while the connection is down are lost for good, so after every
//! (re)connection the listener reports [`PhotoEvent::Resync`] and the caches start over.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use tokio::sync::mpsc;

use crate::sql::text;
use crate::{PhotoEvent, PhotoId, StoreError};

/// How long to wait before connecting again after the connection was lost or refused.
const RECONNECT_AFTER: Duration = Duration::from_millis(500);

/// Events not yet taken by the receiver; beyond this the listener waits (PostgreSQL queues).
const BACKLOG: usize = 1024;

pub fn listen(connect: PgConnectOptions) -> mpsc::Receiver<PhotoEvent> {
    let (sender, receiver) = mpsc::channel(BACKLOG);
    tokio::spawn(async move {
        tokio::select! {
            () = follow(connect, &sender) => {}
            () = sender.closed() => {}
        }
    });
    receiver
}

async fn follow(connect: PgConnectOptions, events: &mpsc::Sender<PhotoEvent>) {
    // One connection of its own, outside the request pool, so that it never waits behind
    // requests and never holds one of their connections.
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(connect);
    loop {
        match subscribe(&pool).await {
            Ok(mut listener) => {
                if events.send(PhotoEvent::Resync).await.is_err() {
                    return;
                }
                loop {
                    match listener.try_recv().await {
                        Ok(Some(notification)) => {
                            let Some(photo) = PhotoId::parse(notification.payload()) else {
                                continue;
                            };
                            if events.send(PhotoEvent::Removed(photo)).await.is_err() {
                                return;
                            }
                        }
                        Ok(None) => {
                            tracing::warn!(
                                "lost the connection that hears other instances; reconnecting"
                            );
                            break;
                        }
                        Err(error) => {
                            tracing::warn!(%error, "listening to other instances failed; reconnecting");
                            break;
                        }
                    }
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen to other instances yet; will retry");
            }
        }
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}

/// A fresh listening connection, named after its channel so that operators (and the tests)
/// can find it in `pg_stat_activity`.
async fn subscribe(pool: &sqlx::PgPool) -> Result<PgListener, StoreError> {
    let mut listener = PgListener::connect_with(pool).await?;
    let (channel,): (String,) = sqlx::query_as(text::PHOTO_CHANNEL_NAME_POSTGRES)
        .fetch_one(&mut listener)
        .await?;
    sqlx::query("SELECT set_config('application_name', $1, false)")
        .bind(&channel)
        .execute(&mut listener)
        .await?;
    listener.listen(&channel).await?;
    Ok(listener)
}
