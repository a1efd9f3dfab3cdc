//! What `PUT /users/{id}` may change, already parsed and validated by the caller: the store
//! only writes it, in one transaction.

/// Changes to one user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserUpdate {
    pub full_name: Option<String>,
    /// `Some(None)` clears the headline.
    pub headline: Option<Option<String>>,
    /// Applied at once: Kantata's re-verification of a new address is outside portrait.
    pub email_address: Option<String>,
    pub external_reference: Option<ExternalReferenceUpdate>,
}

impl UserUpdate {
    /// Whether any column of the user row itself changes.
    pub fn changes_user_row(&self) -> bool {
        self.full_name.is_some() || self.headline.is_some() || self.email_address.is_some()
    }
}

/// One external reference, keyed by the user and `service_name`: the user's reference with that
/// name is updated, or a new one is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalReferenceUpdate {
    pub service_name: String,
    pub service_model: String,
    pub service_model_ref: String,
    /// `None` keeps an existing reference's status; a new one starts [`SyncStatus::Pending`].
    pub status: Option<SyncStatus>,
    /// For the three optional texts, `None` keeps the value and `Some(None)` clears it.
    pub external_message: Option<Option<String>>,
    pub external_link: Option<Option<String>>,
    pub external_status: Option<Option<String>>,
    /// `None` keeps an existing reference's flag; a new one starts unlocked.
    pub locked: Option<bool>,
}

/// The status of an integration, as Kantata names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncStatus {
    Pending,
    Successful,
    Failed,
}

impl SyncStatus {
    pub const ALL: [SyncStatus; 3] = [
        SyncStatus::Pending,
        SyncStatus::Successful,
        SyncStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatus::Pending => "pending",
            SyncStatus::Successful => "successful",
            SyncStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }
}
