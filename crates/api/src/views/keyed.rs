use std::collections::HashMap;

use serde::ser::{Serialize, SerializeMap, Serializer};

/// A Kantata association map (`"roles": {"4": {...}}`), in first-seen order. Kept as a list
/// rather than a JSON map so the objects are serialised once, straight into the body.
pub struct Keyed<T> {
    entries: Vec<(i64, T)>,
    /// Rows can repeat (two users with the same skill); this finds the earlier one.
    positions: HashMap<i64, usize>,
}

impl<T> Keyed<T> {
    pub fn new() -> Self {
        Self {
            entries: Vec::new(),
            positions: HashMap::new(),
        }
    }

    /// A repeated id keeps its first place and takes the later value, as a map insert does.
    pub fn insert(&mut self, id: i64, value: T) {
        match self.positions.get(&id) {
            Some(&at) => {
                if let Some(entry) = self.entries.get_mut(at) {
                    entry.1 = value;
                }
            }
            None => {
                self.positions.insert(id, self.entries.len());
                self.entries.push((id, value));
            }
        }
    }

    /// Adds `value()` unless `id` is already there.
    pub fn insert_if_absent(&mut self, id: i64, value: impl FnOnce() -> T) {
        if !self.positions.contains_key(&id) {
            self.insert(id, value());
        }
    }

    /// One object per row, keyed by its id.
    pub fn of<'r, R: 'r>(
        rows: impl IntoIterator<Item = &'r R>,
        view: impl Fn(&'r R) -> (i64, T),
    ) -> Self {
        let mut keyed = Self::new();
        for row in rows {
            let (id, value) = view(row);
            keyed.insert(id, value);
        }
        keyed
    }
}

impl<T> Default for Keyed<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Serialize> Serialize for Keyed<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (id, value) in &self.entries {
            // serde_json writes integer map keys as strings, as Kantata's keys are.
            map.serialize_entry(id, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_id_keeps_its_place_and_takes_the_later_value() {
        let mut keyed = Keyed::new();
        keyed.insert(7, "first");
        keyed.insert(3, "other");
        keyed.insert(7, "later");
        keyed.insert_if_absent(3, || "ignored");
        let json = serde_json::to_string(&keyed).unwrap();
        assert_eq!(json, r#"{"7":"later","3":"other"}"#);
    }
}
