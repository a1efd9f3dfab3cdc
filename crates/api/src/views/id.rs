use serde::{Serialize, Serializer};

/// An id as Kantata writes it in a body: a string. Formatted straight into the output, so
/// no string is allocated per id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Id(pub i64);

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// A `*_ids` list.
pub type Ids = Vec<Id>;
