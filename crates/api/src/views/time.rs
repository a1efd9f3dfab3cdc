use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

/// ISO 8601 with offset, to the second: `2024-05-01T10:00:00Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time(pub DateTime<Utc>);

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.to_rfc3339_opts(SecondsFormat::Secs, true))
    }
}
